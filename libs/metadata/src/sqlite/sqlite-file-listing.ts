import type Database from 'better-sqlite3';
import type { FilePage, FileQuery } from '../metadata-store';
import { decodeCursor, encodeCursor } from '../shared/page-cursor';
import { prefixUpperBound } from '../shared/prefix-range';
import { type FileRow, toStoredFile } from './sqlite-rows';

const ROW_ID = /^[1-9][0-9]{0,15}$/;

/** Parses a file id of the port (decimal integer); null when it cannot name a row. */
export function parseRowId(id: string): number | null {
  if (!ROW_ID.test(id)) return null;
  const n = Number(id);
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * `listFiles` for SQLite: keyset pagination by id over current versions. The statement depends only on which
 * filters are present, so there are at most 32 of them, each prepared once.
 */
export class SqliteFileListing {
  private readonly statements = new Map<string, Database.Statement<unknown[], FileRow>>();

  constructor(private readonly db: Database.Database) {}

  list(query: FileQuery): FilePage {
    const after = query.cursor === undefined ? 0 : parseRowId(decodeCursor(query.cursor, (id) => parseRowId(id) !== null))!;
    const prefix = query.pathPrefix ? query.pathPrefix : undefined;
    const upper = prefix === undefined ? null : prefixUpperBound(prefix);
    const where = ['is_current = 1', 'id > @after'];
    if (!query.includeDeleted) where.push('deleted_at IS NULL');
    if (query.hostname !== undefined) where.push('hostname = @hostname');
    if (prefix !== undefined) where.push('filepath >= @prefix');
    if (upper !== null) where.push('filepath < @upper');
    if (query.sha256 !== undefined) where.push('sha256 = @sha256');
    const sql = `SELECT * FROM file_rows WHERE ${where.join(' AND ')} ORDER BY id LIMIT @limit`;
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare<unknown[], FileRow>(sql);
      this.statements.set(sql, statement);
    }
    const params: Record<string, unknown> = { after, limit: query.limit + 1 };
    if (query.hostname !== undefined) params.hostname = query.hostname;
    if (prefix !== undefined) params.prefix = prefix;
    if (upper !== null) params.upper = upper;
    if (query.sha256 !== undefined) params.sha256 = query.sha256.toLowerCase();
    const rows = statement.all(params);
    const more = rows.length > query.limit;
    const items = (more ? rows.slice(0, query.limit) : rows).map(toStoredFile);
    return { items, nextCursor: more ? encodeCursor(items[items.length - 1].id) : null };
  }
}
