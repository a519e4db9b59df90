import type Database from 'better-sqlite3';
import type { RecordNamespace } from '../metadata-types';
import type { PathKey, PathVersions } from '../record-pruner';
import type { RetentionRule } from '../retention-store';
import { parseRowId } from './sqlite-file-listing';

/** A version as the walk over paths reads it. */
interface VersionRow {
  id: number;
  namespace: RecordNamespace;
  hostname: string;
  filepath: string;
  version: number;
  first_seen_at: number;
  deleted_at: number | null;
}

const VERSION_COLUMNS = 'id, namespace, hostname, filepath, version, first_seen_at, deleted_at';

/** Rows of versions in path order, oldest version first, grouped into paths with their versions newest first. */
function groupPaths(rows: VersionRow[]): PathVersions[] {
  const paths: PathVersions[] = [];
  for (const row of rows) {
    let last = paths[paths.length - 1];
    if (!last || last.namespace !== row.namespace || last.hostname !== row.hostname || last.filepath !== row.filepath) {
      last = { namespace: row.namespace, hostname: row.hostname, filepath: row.filepath, versions: [] };
      paths.push(last);
    }
    last.versions.unshift({
      id: String(row.id),
      version: row.version,
      first_seen_at: new Date(row.first_seen_at),
      deleted_at: row.deleted_at === null ? null : new Date(row.deleted_at),
    });
  }
  return paths;
}

/**
 * The retention rules and the removal of versions on SQLite. The walk follows the index of (namespace, hostname,
 * filepath, version), a range of it per batch; removals run in `BEGIN IMMEDIATE` transactions, so no other writer can change a path between the check
 * and the removal.
 */
export class SqlitePruning {
  private readonly sql;
  private readonly setRulesTx;
  private readonly removeTx;
  private readonly forgetTx;

  constructor(db: Database.Database) {
    const versions = (text: string) => db.prepare<unknown[], VersionRow>(text);
    this.sql = {
      rules: db.prepare<unknown[], RetentionRule>(
        'SELECT hostname, path_prefix, keep_last, keep_within_days, keep_deleted_days FROM retention_rules ORDER BY position',
      ),
      clearRules: db.prepare('DELETE FROM retention_rules'),
      insertRule: db.prepare(
        `INSERT INTO retention_rules (position, hostname, path_prefix, keep_last, keep_within_days, keep_deleted_days)
         VALUES (@position, @hostname, @path_prefix, @keep_last, @keep_within_days, @keep_deleted_days)`,
      ),
      count: db.prepare<unknown[], { n: number }>('SELECT COUNT(*) AS n FROM files'),
      first: versions(`SELECT ${VERSION_COLUMNS} FROM files ORDER BY namespace, hostname, filepath, version LIMIT ?`),
      after: versions(
        `SELECT ${VERSION_COLUMNS} FROM files WHERE (namespace, hostname, filepath) > (?, ?, ?)
         ORDER BY namespace, hostname, filepath, version LIMIT ?`,
      ),
      restOf: versions(
        `SELECT ${VERSION_COLUMNS} FROM files WHERE namespace = ? AND hostname = ? AND filepath = ? AND version > ? ORDER BY version`,
      ),
      remove: db
        .prepare<unknown[], number>(
          `DELETE FROM files WHERE id IN (SELECT value FROM json_each(?)) AND NOT (is_current = 1 AND deleted_at IS NULL) RETURNING id`,
        )
        .pluck(),
      deletedCurrent: db
        .prepare<unknown[], number>(
          'SELECT 1 FROM files WHERE namespace = ? AND hostname = ? AND filepath = ? AND is_current = 1 AND deleted_at = ?',
        )
        .pluck(),
      forget: db.prepare('DELETE FROM files WHERE namespace = ? AND hostname = ? AND filepath = ?'),
    };
    this.setRulesTx = db.transaction((rules: RetentionRule[]) => {
      this.sql.clearRules.run();
      rules.forEach((rule, position) => this.sql.insertRule.run({ position, ...rule }));
    });
    this.removeTx = db.transaction((ids: number[]) => this.sql.remove.all(JSON.stringify(ids)));
    this.forgetTx = db.transaction((path: PathKey, deletedAtMs: number) =>
      this.sql.deletedCurrent.get(path.namespace, path.hostname, path.filepath, deletedAtMs) === undefined
        ? 0
        : this.sql.forget.run(path.namespace, path.hostname, path.filepath).changes,
    );
  }

  getRules(): RetentionRule[] {
    return this.sql.rules.all().map((rule) => ({ ...rule }));
  }

  setRules(rules: RetentionRule[]): void {
    this.setRulesTx.immediate(rules);
  }

  countVersions(): number {
    return this.sql.count.get()!.n;
  }

  pathVersions(after: PathKey | null, limit: number): PathVersions[] {
    const rows = after === null ? this.sql.first.all(limit) : this.sql.after.all(after.namespace, after.hostname, after.filepath, limit);
    if (rows.length === limit && rows.length > 0) {
      const last = rows[rows.length - 1];
      rows.push(...this.sql.restOf.all(last.namespace, last.hostname, last.filepath, last.version));
    }
    return groupPaths(rows);
  }

  removeVersions(ids: string[]): string[] {
    const rowIds = ids.map(parseRowId).filter((id): id is number => id !== null);
    return rowIds.length === 0 ? [] : this.removeTx.immediate(rowIds).map(String);
  }

  forgetDeletedPath(path: PathKey, deletedAt: Date): number {
    return this.forgetTx.immediate(path, deletedAt.getTime());
  }
}
