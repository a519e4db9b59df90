import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import type { Sha256 } from '@app/contracts';
import type { CollectableEntry, ContentCollector, ContentTotals, UploadClaim } from '../content-collector';
import type { BlobEntry } from '../metadata-types';
import { GroupCommit } from '../shared/group-commit';
import { type BlobRow, toBlobEntry } from './sqlite-rows';
import { VISIBLE_BLOB } from './sqlite-statements';

/** A registry row with its GC columns and mark. */
interface CollectableRow extends BlobRow {
  touched_at: number | null;
  token: string | null;
  removing: number | null;
  marked_at: number | null;
}

const IN_LIST = 'sha256 IN (SELECT value FROM json_each(@list))';
/** Content is touched by records at most this often (a write per record batch would be wasted). */
const TOUCH_EVERY_MS = 60_000;

function prepare(db: Database.Database) {
  const digests = (sql: string) => db.prepare<unknown[], [Sha256]>(sql).raw();
  return {
    page: db.prepare<unknown[], CollectableRow>(
      `SELECT blobs.*, gc_marks.token, gc_marks.removing, gc_marks.marked_at FROM blobs
       LEFT JOIN gc_marks USING (sha256) WHERE blobs.sha256 > ? ORDER BY blobs.sha256 LIMIT ?`,
    ),
    referenced: digests(`SELECT DISTINCT sha256 FROM files WHERE ${IN_LIST}`),
    claimed: digests(`SELECT DISTINCT sha256 FROM upload_claims WHERE ${IN_LIST} AND claimed_at >= @since`),
    registered: digests(`SELECT sha256 FROM blobs WHERE ${IN_LIST}`),
    condemn: digests(
      `INSERT INTO gc_marks (sha256, token, removing, marked_at) SELECT value, @token, 0, @now FROM json_each(@list) WHERE true
       ON CONFLICT (sha256) DO NOTHING RETURNING sha256`,
    ),
    revert: db.prepare(`DELETE FROM gc_marks WHERE ${IN_LIST} AND token = @token AND removing = 0`),
    markRemoving: digests(
      `UPDATE gc_marks SET removing = 1, token = @token, marked_at = @now WHERE ${IN_LIST}
         AND ((token = @token AND removing = 0) OR (removing = 1 AND marked_at < @takeOver)) RETURNING sha256`,
    ),
    removeEntries: db.prepare(
      `DELETE FROM blobs WHERE ${IN_LIST} AND deleted_at IS NULL
         AND sha256 IN (SELECT sha256 FROM gc_marks WHERE token = @token AND removing = 1)`,
    ),
    unmark: db.prepare(`DELETE FROM gc_marks WHERE ${IN_LIST} AND token = @token`),
    adopt: digests(
      `INSERT INTO blobs (sha256, size, created_at, deleted_at, quarantined_at, touched_at) VALUES (@sha256, @size, @now, NULL, NULL, @now)
       ON CONFLICT (sha256) DO NOTHING RETURNING sha256`,
    ),
    fixSizes: db.prepare('UPDATE files SET size = @size WHERE sha256 = @sha256 AND size <> @size'),
    touch: db.prepare(`UPDATE blobs SET touched_at = @now WHERE ${IN_LIST} AND COALESCE(touched_at, created_at) < @before`),
    visible: db.prepare<unknown[], BlobRow>(`SELECT * FROM blobs WHERE ${IN_LIST} AND ${VISIBLE_BLOB}`),
    claim: db.prepare(
      `INSERT INTO upload_claims (id, sha256, claimed_at) VALUES (@id, @sha256, @now)
       ON CONFLICT (id) DO UPDATE SET claimed_at = excluded.claimed_at`,
    ),
    marked: db.prepare<unknown[], { n: number }>('SELECT COUNT(*) AS n FROM gc_marks WHERE sha256 = ?'),
    entry: db.prepare<unknown[], BlobRow>(`SELECT * FROM blobs WHERE sha256 = ? AND ${VISIBLE_BLOB}`),
    release: db.prepare('DELETE FROM upload_claims WHERE id = ?'),
    unreferenced: db.prepare<unknown[], { n: number; bytes: number }>(
      `SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes FROM blobs
       WHERE deleted_at IS NULL AND quarantined_at IS NULL AND NOT EXISTS (SELECT 1 FROM files WHERE files.sha256 = blobs.sha256)`,
    ),
    quarantined: db.prepare<unknown[], { n: number }>(
      'SELECT COUNT(*) AS n FROM blobs WHERE quarantined_at IS NOT NULL AND deleted_at IS NULL',
    ),
  };
}

function toCollectable(row: CollectableRow): CollectableEntry {
  return {
    sha256: row.sha256,
    size: row.size,
    touched_at: new Date(row.touched_at ?? row.created_at),
    taken_down: row.deleted_at !== null,
    quarantined: row.quarantined_at !== null,
    mark: row.token === null ? null : { token: row.token, removing: row.removing === 1, at: new Date(row.marked_at!) },
  };
}

const firsts = (rows: Array<[Sha256]>) => rows.map(([sha256]) => sha256);

/** One upload's claim, as the group of claims of a turn takes it. */
interface ClaimCall {
  sha256: Sha256;
  now: number;
  id: string;
}

/**
 * The ContentCollector on the SQLite database (see the port for the argument). One process owns the database and
 * every step is one statement or one transaction; the uploads' claims (and releases) of one turn share one.
 */
export class SqliteContentCollector implements ContentCollector {
  private readonly sql: ReturnType<typeof prepare>;
  private readonly finish: (list: string, token: string) => number;
  private readonly adoptAll: (blobs: Array<{ sha256: Sha256; size: number }>, now: number) => Sha256[];
  private readonly touchAll: (list: string, now: number) => BlobRow[];
  private readonly claims: GroupCommit<ClaimCall, UploadClaim>;
  private readonly releases: GroupCommit<string, number>;

  constructor(db: Database.Database) {
    const sql = (this.sql = prepare(db));
    this.finish = immediate(db, (list: string, token: string) => {
      const removed = sql.removeEntries.run({ list, token }).changes;
      sql.unmark.run({ list, token });
      return removed;
    });
    this.adoptAll = immediate(db, (blobs: Array<{ sha256: Sha256; size: number }>, now: number) =>
      blobs.flatMap(({ sha256, size }) => {
        const adopted = firsts(sql.adopt.all({ sha256, size, now }));
        if (adopted.length > 0) sql.fixSizes.run({ sha256, size });
        return adopted;
      }),
    );
    this.touchAll = immediate(db, (list: string, now: number) => {
      sql.touch.run({ list, now, before: now - TOUCH_EVERY_MS });
      return sql.visible.all({ list });
    });
    // The claim is written before the mark is read (the port's argument), in one transaction here.
    const claim = ({ sha256, now, id }: ClaimCall): UploadClaim => {
      sql.claim.run({ id, sha256, now });
      const entry = sql.entry.get(sha256);
      return { id, marked: sql.marked.get(sha256)!.n > 0, entry: entry ? toBlobEntry(entry) : null };
    };
    this.claims = new GroupCommit(immediate(db, (calls: ClaimCall[]) => calls.map(claim)));
    this.releases = new GroupCommit(immediate(db, (ids: string[]) => ids.map((id) => sql.release.run(id).changes)));
  }

  async registryPage(after: string, limit: number): Promise<CollectableEntry[]> {
    return this.sql.page.all(after, limit).map(toCollectable);
  }

  async held(sha256s: Sha256[], claimsSince: Date): Promise<Set<Sha256>> {
    if (sha256s.length === 0) return new Set();
    const list = JSON.stringify(sha256s);
    const referenced = firsts(this.sql.referenced.all({ list }));
    return new Set([...referenced, ...firsts(this.sql.claimed.all({ list, since: claimsSince.getTime() }))]);
  }

  async condemn(sha256s: Sha256[], token: string, now: Date): Promise<Sha256[]> {
    return sha256s.length === 0 ? [] : firsts(this.sql.condemn.all({ list: JSON.stringify(sha256s), token, now: now.getTime() }));
  }

  async revert(sha256s: Sha256[], token: string): Promise<void> {
    if (sha256s.length > 0) this.sql.revert.run({ list: JSON.stringify(sha256s), token });
  }

  async markRemoving(sha256s: Sha256[], token: string, now: Date, takeOverBefore: Date): Promise<Sha256[]> {
    const params = { list: JSON.stringify(sha256s), token, now: now.getTime(), takeOver: takeOverBefore.getTime() };
    return sha256s.length === 0 ? [] : firsts(this.sql.markRemoving.all(params));
  }

  async finishRemoval(sha256s: Sha256[], token: string): Promise<number> {
    return sha256s.length === 0 ? 0 : this.finish(JSON.stringify(sha256s), token);
  }

  async unregistered(sha256s: Sha256[]): Promise<Sha256[]> {
    if (sha256s.length === 0) return [];
    const known = new Set(firsts(this.sql.registered.all({ list: JSON.stringify(sha256s) })));
    return sha256s.filter((sha256) => !known.has(sha256));
  }

  async adopt(blobs: Array<{ sha256: Sha256; size: number }>, now: Date): Promise<Sha256[]> {
    return blobs.length === 0 ? [] : this.adoptAll(blobs, now.getTime());
  }

  async touchReferenced(sha256s: Sha256[], now: Date): Promise<Map<Sha256, BlobEntry>> {
    const rows = sha256s.length === 0 ? [] : this.touchAll(JSON.stringify(sha256s), now.getTime());
    return new Map(rows.map((row) => [row.sha256, toBlobEntry(row)]));
  }

  async claimUpload(sha256: Sha256, now: Date, claim?: string): Promise<UploadClaim> {
    return this.claims.add({ sha256, now: now.getTime(), id: claim ?? randomUUID() });
  }

  async releaseClaim(claim: string): Promise<void> {
    await this.releases.add(claim);
  }

  async contentTotals(): Promise<ContentTotals> {
    const unreferenced = this.sql.unreferenced.get()!;
    return {
      unreferenced_blobs: unreferenced.n,
      unreferenced_bytes: unreferenced.bytes,
      quarantined_blobs: this.sql.quarantined.get()!.n,
    };
  }
}

/** `fn` as one `BEGIN IMMEDIATE` transaction. */
function immediate<A extends unknown[], R>(db: Database.Database, fn: (...args: A) => R): (...args: A) => R {
  const tx = db.transaction(fn);
  return (...args: A) => tx.immediate(...args);
}
