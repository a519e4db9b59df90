import type Database from 'better-sqlite3';
import type {
  HostRecord,
  NewScanRun,
  ScanCounts,
  ScanRunPage,
  ScanRunQuery,
  ScanRunRecord,
  ScanRunState,
  ScanRunUpdate,
} from '../scan-run-store';
import { INTERRUPTED } from '../scan-run-store';
import { decodeCursor, encodeCursor } from '../shared/page-cursor';
import { keptFailures } from '../shared/scan-run-values';
import { parseRowId } from './sqlite-file-listing';

/** A `scan_runs` row as better-sqlite3 returns it (times in epoch milliseconds, lists as JSON text). */
interface ScanRunRow extends ScanCounts {
  id: number;
  hostname: string;
  roots: string;
  client_name: string;
  client_version: string;
  key_id: string;
  state: ScanRunState;
  failures: string;
  failures_total: number;
  reason: string | null;
  started_at: number;
  updated_at: number;
  ended_at: number | null;
}

function toScanRun(row: ScanRunRow): ScanRunRecord {
  return {
    id: String(row.id),
    hostname: row.hostname,
    roots: JSON.parse(row.roots) as string[],
    client: { name: row.client_name, version: row.client_version },
    key_id: row.key_id,
    state: row.state,
    counts: {
      files_seen: row.files_seen,
      files_hashed: row.files_hashed,
      bytes_hashed: row.bytes_hashed,
      files_uploaded: row.files_uploaded,
      bytes_uploaded: row.bytes_uploaded,
      files_failed: row.files_failed,
    },
    failures: JSON.parse(row.failures) as ScanRunRecord['failures'],
    failures_total: row.failures_total,
    reason: row.reason,
    started_at: new Date(row.started_at),
    updated_at: new Date(row.updated_at),
    ended_at: row.ended_at === null ? null : new Date(row.ended_at),
  };
}

/**
 * The scan runs on SQLite. A report reads the run and writes it back in one `BEGIN IMMEDIATE` transaction (the
 * failures it keeps depend on the ones stored), so no other process interleaves.
 */
export class SqliteScanRuns {
  private readonly sql;
  private readonly updateTx;
  private readonly listings = new Map<string, Database.Statement<unknown[], ScanRunRow>>();

  constructor(private readonly db: Database.Database) {
    const row = (text: string) => db.prepare<unknown[], ScanRunRow>(text);
    this.sql = {
      insert: row(
        `INSERT INTO scan_runs (hostname, roots, client_name, client_version, key_id, state, started_at, updated_at)
         VALUES (@hostname, @roots, @client_name, @client_version, @key_id, 'running', @now, @now) RETURNING *`,
      ),
      byId: row('SELECT * FROM scan_runs WHERE id = ?'),
      write: row(
        `UPDATE scan_runs SET files_seen = @files_seen, files_hashed = @files_hashed, bytes_hashed = @bytes_hashed,
           files_uploaded = @files_uploaded, bytes_uploaded = @bytes_uploaded, files_failed = @files_failed,
           failures = @failures, failures_total = @failures_total, state = @state, updated_at = @now, ended_at = @ended_at
         WHERE id = @id AND state = 'running' RETURNING *`,
      ),
      interrupt: db.prepare(
        `UPDATE scan_runs SET state = 'failed', reason = '${INTERRUPTED}', ended_at = @now
         WHERE state = 'running' AND updated_at < @since`,
      ),
      hostFiles: db.prepare<unknown[], { hostname: string; files: number; logical: number }>(
        `SELECT hostname, COUNT(*) AS files, COALESCE(SUM(size), 0) AS logical FROM files
         WHERE namespace = 'host' AND is_current = 1 AND deleted_at IS NULL GROUP BY hostname`,
      ),
      lastRuns: row(`SELECT * FROM scan_runs WHERE id IN (SELECT MAX(id) FROM scan_runs GROUP BY hostname)`),
      lastSuccesses: db.prepare<unknown[], { hostname: string; at: number }>(
        `SELECT hostname, MAX(ended_at) AS at FROM scan_runs WHERE state = 'succeeded' GROUP BY hostname`,
      ),
      byState: db.prepare<unknown[], { state: ScanRunState; n: number }>('SELECT state, COUNT(*) AS n FROM scan_runs GROUP BY state'),
    };
    this.updateTx = db.transaction((id: number, update: ScanRunUpdate, nowMs: number) => {
      const found = this.sql.byId.get(id);
      if (!found || found.state !== 'running') return undefined;
      const counts = update.counts ?? toScanRun(found).counts;
      const failures = keptFailures(JSON.parse(found.failures) as ScanRunRecord['failures'], update.failures);
      return this.sql.write.get({
        id,
        ...counts,
        failures: JSON.stringify(failures),
        failures_total: found.failures_total + (update.failures?.length ?? 0),
        state: update.state ?? 'running',
        now: nowMs,
        ended_at: update.state ? nowMs : null,
      });
    });
  }

  create(run: NewScanRun, now: Date): ScanRunRecord {
    return toScanRun(
      this.sql.insert.get({
        hostname: run.hostname,
        roots: JSON.stringify(run.roots),
        client_name: run.client.name,
        client_version: run.client.version,
        key_id: run.key_id,
        now: now.getTime(),
      })!,
    );
  }

  get(id: string): ScanRunRecord | null {
    const rowId = parseRowId(id);
    const row = rowId === null ? undefined : this.sql.byId.get(rowId);
    return row ? toScanRun(row) : null;
  }

  list(query: ScanRunQuery): ScanRunPage {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: query.limit + 1 };
    if (query.cursor !== undefined) {
      where.push('id < @before');
      params.before = parseRowId(decodeCursor(query.cursor, (id) => parseRowId(id) !== null));
    }
    if (query.hostname !== undefined) {
      where.push('hostname = @hostname');
      params.hostname = query.hostname;
    }
    if (query.hostnames !== undefined) {
      where.push('hostname IN (SELECT value FROM json_each(@hostnames))');
      params.hostnames = JSON.stringify(query.hostnames);
    }
    if (query.state !== undefined) {
      where.push('state = @state');
      params.state = query.state;
    }
    const filter = where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`;
    const rows = this.listing(`SELECT * FROM scan_runs ${filter} ORDER BY id DESC LIMIT @limit`).all(params);
    const more = rows.length > query.limit;
    const items = (more ? rows.slice(0, query.limit) : rows).map(toScanRun);
    return { items, nextCursor: more ? encodeCursor(items[items.length - 1].id) : null };
  }

  update(id: string, update: ScanRunUpdate, now: Date): ScanRunRecord | null {
    const rowId = parseRowId(id);
    const row = rowId === null ? undefined : this.updateTx.immediate(rowId, update, now.getTime());
    return row ? toScanRun(row) : null;
  }

  interrupt(silentSince: Date, now: Date): number {
    return this.sql.interrupt.run({ since: silentSince.getTime(), now: now.getTime() }).changes;
  }

  hosts(): HostRecord[] {
    const hosts = new Map<string, HostRecord>();
    const host = (hostname: string) => {
      let found = hosts.get(hostname);
      if (!found) {
        found = { hostname, files: 0, logical_bytes: 0, last_scan: null, last_success_at: null };
        hosts.set(hostname, found);
      }
      return found;
    };
    for (const row of this.sql.hostFiles.all()) Object.assign(host(row.hostname), { files: row.files, logical_bytes: row.logical });
    for (const row of this.sql.lastRuns.all()) host(row.hostname).last_scan = toScanRun(row);
    for (const row of this.sql.lastSuccesses.all()) host(row.hostname).last_success_at = new Date(row.at);
    return [...hosts.values()].sort((a, b) => (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0));
  }

  countByState(): Partial<Record<ScanRunState, number>> {
    return Object.fromEntries(this.sql.byState.all().map((r) => [r.state, r.n]));
  }

  /** A listing statement, prepared once per combination of filters. */
  private listing(text: string): Database.Statement<unknown[], ScanRunRow> {
    let statement = this.listings.get(text);
    if (!statement) {
      statement = this.db.prepare<unknown[], ScanRunRow>(text);
      this.listings.set(text, statement);
    }
    return statement;
  }
}
