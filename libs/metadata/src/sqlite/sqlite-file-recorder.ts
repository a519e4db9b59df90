import type { FileToRecord, RecordedFile } from '../metadata-types';
import { fileKindOf, statFieldsOf } from '../shared/stat-fields';
import { type FileRow, objectColumns, toStoredFile } from './sqlite-rows';
import type { SqliteStatements } from './sqlite-statements';

/**
 * Records one file inside the caller's write transaction: the same digest, type and link target as the live current
 * version refreshes it (`unchanged`); anything else adds the next version as current (`created`). An object always
 * adds a version: each write of it is a version of its own, with its own lifetime and metadata.
 */
export function recordSqliteFile(sql: SqliteStatements, f: FileToRecord, nowMs: number): RecordedFile {
  const { sha256 } = f;
  const namespace = f.namespace ?? 'host';
  const current = sql.currentAny.get(namespace, f.hostname, f.filepath);
  const stat = statFieldsOf(f);
  const kind = fileKindOf(f);
  if (
    current &&
    namespace === 'host' &&
    current.deleted_at === null &&
    current.sha256 === sha256 &&
    current.type === kind.type &&
    current.link_target === kind.link_target
  ) {
    sql.touch.run({ id: current.id, ...stat });
    sql.seenAt.run(current.id, nowMs);
    return { file: toStoredFile({ ...current, ...stat, last_seen_at: nowMs }), status: 'unchanged' };
  }
  // The old current version must stop being current first: one current row per path is a unique index.
  if (current) sql.retire.run(current.id);
  const row: Omit<FileRow, 'id'> = {
    hostname: f.hostname,
    filepath: f.filepath,
    version: current ? current.version + 1 : 1,
    sha256,
    ...stat,
    first_seen_at: nowMs,
    last_seen_at: nowMs,
    deleted_at: null,
    is_current: 1,
    ...kind,
    namespace,
    ...objectColumns(f.object),
  };
  const { last_seen_at, ...fileColumns } = row;
  const id = Number(sql.insert.run(fileColumns).lastInsertRowid);
  sql.seenAt.run(id, last_seen_at);
  return { file: toStoredFile({ id, ...row }), status: 'created' };
}
