import type Database from 'better-sqlite3';
import type { JobClaim, JobEnd, JobPage, JobQuery, JobRecord, JobState, JobUpdate, NewJob } from '../job-store';
import { FINAL_JOB_STATES } from '../job-store';
import { activeJobConflict, failureOf, fromJsonText, toJsonText } from '../shared/job-values';
import { decodeCursor, encodeCursor } from '../shared/page-cursor';
import { parseRowId } from './sqlite-file-listing';

/** A `jobs` row as better-sqlite3 returns it (times in epoch milliseconds, values as JSON text). */
interface JobRow {
  id: number;
  type: string;
  state: JobState;
  dry_run: number;
  options: string;
  progress_done: number;
  progress_total: number | null;
  progress_bytes: number;
  result: string | null;
  error: string | null;
  checkpoint: string | null;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  cancel_requested: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
}

function toJobRecord(row: JobRow): JobRecord {
  return {
    id: String(row.id),
    type: row.type,
    state: row.state,
    dry_run: row.dry_run === 1,
    options: fromJsonText(row.options) ?? {},
    progress: { done: row.progress_done, total: row.progress_total, bytes: row.progress_bytes },
    result: fromJsonText(row.result),
    error: fromJsonText(row.error),
    checkpoint: fromJsonText(row.checkpoint),
    created_at: new Date(row.created_at),
    started_at: row.started_at === null ? null : new Date(row.started_at),
    ended_at: row.ended_at === null ? null : new Date(row.ended_at),
    cancel_requested: row.cancel_requested === 1,
    lease: row.lease_owner === null ? null : { owner: row.lease_owner, expires_at: new Date(row.lease_expires_at!) },
  };
}

/** The parameters of a {@link JobUpdate}: each part written only when given (`has_*`). */
function updateParams(update: JobUpdate = {}) {
  const p = update.progress;
  return {
    has_progress: p ? 1 : 0,
    done: p?.done ?? 0,
    total: p?.total ?? null,
    bytes: p?.bytes ?? 0,
    has_checkpoint: 'checkpoint' in update ? 1 : 0,
    checkpoint: toJsonText(update.checkpoint),
  };
}

const UPDATE_SET = `progress_done = CASE WHEN @has_progress THEN @done ELSE progress_done END,
  progress_total = CASE WHEN @has_progress THEN @total ELSE progress_total END,
  progress_bytes = CASE WHEN @has_progress THEN @bytes ELSE progress_bytes END,
  checkpoint = CASE WHEN @has_checkpoint THEN @checkpoint ELSE checkpoint END`;
const HELD = `id = @id AND lease_owner = @owner AND state = 'running'`;

/**
 * The job store on SQLite. Every read-then-write runs in one `BEGIN IMMEDIATE` transaction, so another process on
 * the same file cannot interleave; the partial unique index `jobs_active_type` backs the one-active-job rule.
 */
export class SqliteJobs {
  private readonly sql;
  private readonly createTx;
  private readonly claimTx;
  private readonly cancelTx;
  private readonly listings = new Map<string, Database.Statement<unknown[], JobRow>>();

  constructor(private readonly db: Database.Database) {
    const row = (text: string) => db.prepare<unknown[], JobRow>(text);
    this.sql = {
      active: row(`SELECT * FROM jobs WHERE type = ? AND state IN ('queued', 'running')`),
      insert: row(
        `INSERT INTO jobs (type, state, dry_run, options, created_at) VALUES (@type, 'queued', @dry_run, @options, @now) RETURNING *`,
      ),
      byId: row('SELECT * FROM jobs WHERE id = ?'),
      claimable: row(
        `SELECT * FROM jobs WHERE type IN (SELECT value FROM json_each(@types))
           AND (state = 'queued' OR (state = 'running' AND lease_expires_at < @now)) ORDER BY id LIMIT 1`,
      ),
      take: row(
        `UPDATE jobs SET state = 'running', lease_owner = @owner, lease_expires_at = @expires, started_at = COALESCE(started_at, @now)
         WHERE id = @id RETURNING *`,
      ),
      renew: row(`UPDATE jobs SET lease_expires_at = @expires WHERE ${HELD} RETURNING *`),
      update: db.prepare(`UPDATE jobs SET ${UPDATE_SET} WHERE ${HELD}`),
      finish: db.prepare(
        `UPDATE jobs SET ${UPDATE_SET}, state = @state, result = @result, error = @error, ended_at = @now,
           lease_owner = NULL, lease_expires_at = NULL WHERE ${HELD}`,
      ),
      release: db.prepare(`UPDATE jobs SET ${UPDATE_SET}, state = 'queued', lease_owner = NULL, lease_expires_at = NULL WHERE ${HELD}`),
      cancelQueued: row(`UPDATE jobs SET state = 'cancelled', cancel_requested = 1, ended_at = ? WHERE id = ? RETURNING *`),
      cancelRunning: row('UPDATE jobs SET cancel_requested = 1 WHERE id = ? RETURNING *'),
    };
    this.createTx = db.transaction((job: NewJob, nowMs: number) => {
      const active = this.sql.active.get(job.type);
      if (active) throw activeJobConflict(job.type, String(active.id));
      return this.sql.insert.get({ type: job.type, dry_run: job.dry_run ? 1 : 0, options: toJsonText(job.options) ?? '{}', now: nowMs })!;
    });
    this.claimTx = db.transaction((claim: JobClaim) => {
      const now = claim.now.getTime();
      const found = this.sql.claimable.get({ types: JSON.stringify(claim.types), now });
      return found ? this.sql.take.get({ id: found.id, owner: claim.owner, expires: now + claim.leaseMs, now }) : undefined;
    });
    this.cancelTx = db.transaction((id: number, nowMs: number) => {
      const row = this.sql.byId.get(id);
      if (!row) return null;
      if (FINAL_JOB_STATES.includes(row.state)) return { row, wasFinal: true };
      const changed = row.state === 'queued' ? this.sql.cancelQueued.get(nowMs, id) : this.sql.cancelRunning.get(id);
      return { row: changed!, wasFinal: false };
    });
  }

  create(job: NewJob, now: Date): JobRecord {
    return toJobRecord(this.createTx.immediate(job, now.getTime()));
  }

  get(id: string): JobRecord | null {
    const rowId = parseRowId(id);
    const row = rowId === null ? undefined : this.sql.byId.get(rowId);
    return row ? toJobRecord(row) : null;
  }

  list(query: JobQuery): JobPage {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: query.limit + 1 };
    if (query.cursor !== undefined) {
      where.push('id < @before');
      params.before = parseRowId(decodeCursor(query.cursor, (id) => parseRowId(id) !== null));
    }
    if (query.type !== undefined) {
      where.push('type = @type');
      params.type = query.type;
    }
    if (query.state !== undefined) {
      where.push('state = @state');
      params.state = query.state;
    }
    const filter = where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`;
    const rows = this.listing(`SELECT * FROM jobs ${filter} ORDER BY id DESC LIMIT @limit`).all(params);
    const more = rows.length > query.limit;
    const items = (more ? rows.slice(0, query.limit) : rows).map(toJobRecord);
    return { items, nextCursor: more ? encodeCursor(items[items.length - 1].id) : null };
  }

  claim(claim: JobClaim): JobRecord | null {
    if (claim.types.length === 0) return null;
    const row = this.claimTx.immediate(claim);
    return row ? toJobRecord(row) : null;
  }

  renew(id: string, owner: string, now: Date, leaseMs: number): JobRecord | null {
    const row = this.sql.renew.get({ id: parseRowId(id), owner, expires: now.getTime() + leaseMs });
    return row ? toJobRecord(row) : null;
  }

  update(id: string, owner: string, update: JobUpdate): boolean {
    return this.sql.update.run({ id: parseRowId(id), owner, ...updateParams(update) }).changes > 0;
  }

  finish(id: string, owner: string, end: JobEnd, update?: JobUpdate): boolean {
    const params = {
      id: parseRowId(id),
      owner,
      ...updateParams(update),
      state: end.state,
      result: toJsonText(end.result),
      error: toJsonText(failureOf(end.error)),
      now: end.now.getTime(),
    };
    return this.sql.finish.run(params).changes > 0;
  }

  release(id: string, owner: string, update?: JobUpdate): boolean {
    return this.sql.release.run({ id: parseRowId(id), owner, ...updateParams(update) }).changes > 0;
  }

  cancel(id: string, now: Date): { job: JobRecord; wasFinal: boolean } | null {
    const rowId = parseRowId(id);
    const outcome = rowId === null ? null : this.cancelTx.immediate(rowId, now.getTime());
    return outcome ? { job: toJobRecord(outcome.row), wasFinal: outcome.wasFinal } : null;
  }

  /** A listing statement, prepared once per combination of filters. */
  private listing(text: string): Database.Statement<unknown[], JobRow> {
    let statement = this.listings.get(text);
    if (!statement) {
      statement = this.db.prepare<unknown[], JobRow>(text);
      this.listings.set(text, statement);
    }
    return statement;
  }
}
