import type Database from 'better-sqlite3';
import type { Sha256 } from '@app/contracts';
import type { CollectableEntry, ContentCollector, ContentTotals, UploadClaim } from '../content-collector';
import type { BlobEntry } from '../metadata-types';
import { GroupCommit } from '../shared/group-commit';
import { type BlobRow, toBlobEntry, toDate } from './sqlite-rows';
import { VISIBLE_BLOB } from './sqlite-statements';

/** A registry row with the columns of garbage collection. */
interface CollectableRow extends BlobRow {
  touched_at: number | null;
  storing_at: number | null;
  condemned_by: string | null;
  removing_at: number | null;
}

const IN_LIST = 'sha256 IN (SELECT value FROM json_each(@list))';

/** One upload's settlement (see ContentCollector.settleUpload). */
interface Settlement {
  sha256: Sha256;
  size: number;
  now: number;
  claimed: UploadClaim['kind'];
}

function prepare(db: Database.Database) {
  const digests = (sql: string) => db.prepare<unknown[], [Sha256]>(sql).raw();
  return {
    page: db.prepare<unknown[], CollectableRow>('SELECT * FROM blobs WHERE sha256 > ? ORDER BY sha256 LIMIT ?'),
    row: db.prepare<unknown[], CollectableRow>('SELECT * FROM blobs WHERE sha256 = ?'),
    referenced: digests('SELECT DISTINCT sha256 FROM files WHERE sha256 IN (SELECT value FROM json_each(?))'),
    registered: digests('SELECT sha256 FROM blobs WHERE sha256 IN (SELECT value FROM json_each(?))'),
    condemn: digests(
      `UPDATE blobs SET condemned_by = @token WHERE ${IN_LIST} AND deleted_at IS NULL AND removing_at IS NULL
         AND COALESCE(touched_at, created_at) < @cutoff AND (storing_at IS NULL OR storing_at < @stale) RETURNING sha256`,
    ),
    revert: db.prepare(`UPDATE blobs SET condemned_by = NULL WHERE ${IN_LIST} AND condemned_by = @token AND removing_at IS NULL`),
    markRemoving: digests(
      `UPDATE blobs SET removing_at = @now, condemned_by = @token WHERE ${IN_LIST}
         AND ((deleted_at IS NULL AND condemned_by = @token AND removing_at IS NULL) OR removing_at < @takeOver) RETURNING sha256`,
    ),
    removeEntries: db.prepare(
      `DELETE FROM blobs WHERE ${IN_LIST} AND condemned_by = @token AND removing_at IS NOT NULL AND deleted_at IS NULL`,
    ),
    unmarkTakenDown: db.prepare(
      `UPDATE blobs SET condemned_by = NULL, removing_at = NULL WHERE ${IN_LIST} AND condemned_by = @token AND removing_at IS NOT NULL`,
    ),
    adopt: digests(
      `INSERT INTO blobs (sha256, size, created_at, deleted_at, quarantined_at, touched_at) VALUES (@sha256, @size, @now, NULL, NULL, @now)
       ON CONFLICT (sha256) DO NOTHING RETURNING sha256`,
    ),
    touch: db.prepare(`UPDATE blobs SET touched_at = @now, condemned_by = NULL WHERE ${IN_LIST} AND removing_at IS NULL`),
    visible: db.prepare<unknown[], BlobRow>(`SELECT * FROM blobs WHERE ${IN_LIST} AND ${VISIBLE_BLOB}`),
    claimNew: db.prepare(
      `INSERT INTO blobs (sha256, size, created_at, deleted_at, quarantined_at, touched_at, storing_at)
       VALUES (@sha256, 0, @now, NULL, NULL, @now, @now)`,
    ),
    claimStoring: db.prepare('UPDATE blobs SET storing_at = @now, touched_at = @now, condemned_by = NULL WHERE sha256 = @sha256'),
    claimStored: db.prepare('UPDATE blobs SET touched_at = @now, condemned_by = NULL WHERE sha256 = @sha256'),
    settle: db.prepare<unknown[], BlobRow>(
      `UPDATE blobs SET size = @size, quarantined_at = NULL, storing_at = NULL, condemned_by = NULL, touched_at = @now
       WHERE sha256 = @sha256 RETURNING *`,
    ),
    fixSizes: db.prepare('UPDATE files SET size = @size WHERE sha256 = @sha256 AND size <> @size'),
    unreferenced: db.prepare<unknown[], { n: number; bytes: number }>(
      `SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes FROM blobs
       WHERE deleted_at IS NULL AND quarantined_at IS NULL AND storing_at IS NULL AND removing_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM files WHERE files.sha256 = blobs.sha256)`,
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
    storing_since: toDate(row.storing_at),
    condemned_by: row.condemned_by,
    removing_since: toDate(row.removing_at),
  };
}

const firsts = (rows: Array<[Sha256]>) => rows.map(([sha256]) => sha256);

/**
 * The ContentCollector on the SQLite database (see the port for the argument). One process owns the database, and
 * each call runs in one transaction, so every step is atomic on its own; the writes take the lock up front.
 */
export class SqliteContentCollector implements ContentCollector {
  private readonly sql: ReturnType<typeof prepare>;
  private readonly finish: (list: string, token: string) => number;
  private readonly adoptAll: (blobs: Array<{ sha256: Sha256; size: number }>, now: number) => Sha256[];
  private readonly touchAll: (list: string, now: number) => BlobRow[];
  /** Concurrent uploads' claims, and their settlements, share one transaction each (see GroupCommit). */
  private readonly claims: GroupCommit<{ sha256: Sha256; now: number }, UploadClaim>;
  private readonly settlements: GroupCommit<Settlement, BlobRow | null>;

  constructor(db: Database.Database) {
    const sql = (this.sql = prepare(db));
    this.finish = immediate(db, (list: string, token: string) => {
      const removed = sql.removeEntries.run({ list, token }).changes;
      sql.unmarkTakenDown.run({ list, token });
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
      sql.touch.run({ list, now });
      return sql.visible.all({ list });
    });
    const claim = (sha256: Sha256, now: number): UploadClaim => {
      const row = sql.row.get(sha256);
      if (!row) {
        sql.claimNew.run({ sha256, now });
        return { kind: 'new' };
      }
      if (row.deleted_at !== null) return { kind: 'stored', entry: toBlobEntry(row) };
      if (row.removing_at !== null) return { kind: 'removing' };
      if (row.storing_at !== null) {
        sql.claimStoring.run({ sha256, now });
        return { kind: 'storing' };
      }
      sql.claimStored.run({ sha256, now });
      return { kind: 'stored', entry: toBlobEntry(row) };
    };
    const settle = ({ sha256, size, now, claimed }: Settlement) => {
      const row = sql.row.get(sha256);
      if (!row || row.removing_at !== null || (row.storing_at !== null && claimed === 'stored')) return null;
      const settled = sql.settle.get({ sha256, size, now })!;
      sql.fixSizes.run({ sha256, size });
      return settled;
    };
    this.claims = new GroupCommit(
      immediate(db, (items: Array<{ sha256: Sha256; now: number }>) => items.map((c) => claim(c.sha256, c.now))),
    );
    this.settlements = new GroupCommit(immediate(db, (items: Settlement[]) => items.map(settle)));
  }

  async registryPage(after: string, limit: number): Promise<CollectableEntry[]> {
    return this.sql.page.all(after, limit).map(toCollectable);
  }

  async referenced(sha256s: Sha256[]): Promise<Set<Sha256>> {
    return new Set(sha256s.length === 0 ? [] : firsts(this.sql.referenced.all(JSON.stringify(sha256s))));
  }

  async condemn(sha256s: Sha256[], token: string, cutoff: Date, staleClaimsBefore: Date): Promise<Sha256[]> {
    const params = { list: JSON.stringify(sha256s), token, cutoff: cutoff.getTime(), stale: staleClaimsBefore.getTime() };
    return sha256s.length === 0 ? [] : firsts(this.sql.condemn.all(params));
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
    const known = new Set(firsts(this.sql.registered.all(JSON.stringify(sha256s))));
    return sha256s.filter((sha256) => !known.has(sha256));
  }

  async adopt(blobs: Array<{ sha256: Sha256; size: number }>, now: Date): Promise<Sha256[]> {
    return blobs.length === 0 ? [] : this.adoptAll(blobs, now.getTime());
  }

  async touchReferenced(sha256s: Sha256[], now: Date): Promise<Map<Sha256, BlobEntry>> {
    const rows = sha256s.length === 0 ? [] : this.touchAll(JSON.stringify(sha256s), now.getTime());
    return new Map(rows.map((row) => [row.sha256, toBlobEntry(row)]));
  }

  async claimUpload(sha256: Sha256, now: Date): Promise<UploadClaim> {
    return this.claims.add({ sha256, now: now.getTime() });
  }

  async settleUpload(sha256: Sha256, size: number, now: Date, claimed: UploadClaim['kind']): Promise<BlobEntry | null> {
    const row = await this.settlements.add({ sha256, size, now: now.getTime(), claimed });
    return row ? toBlobEntry(row) : null;
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
