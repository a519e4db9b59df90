import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { AuditChainState, AuditEntry, AuditPage, AuditQuery, AuditTarget } from '../audit-store';
import { auditFilterKeys, auditTargetKeys } from '../shared/audit-values';
import { decodeCursor, encodeCursor } from '../shared/page-cursor';

/** An `audit_entries` row as better-sqlite3 returns it (time in epoch milliseconds, targets as JSON text). */
interface AuditRow extends Omit<AuditEntry, 'at' | 'targets'> {
  n: number;
  at: number;
  targets: string;
}

function toEntry(row: AuditRow): AuditEntry {
  const { n: _n, ...fields } = row;
  return { ...fields, at: new Date(row.at), targets: JSON.parse(row.targets) as AuditTarget[] };
}

const DIGEST_KEY = /^sha256:([0-9a-f]{16})[0-9a-f]{48}$/;

/**
 * The 64-bit index key of a target key (`sha256:…`, `host:…`, `bucket:…`): a digest's own first 8 bytes (already
 * uniform), else the first 8 bytes of the key's SHA-256.
 */
function indexKey(key: string): bigint {
  const digest = DIGEST_KEY.exec(key);
  if (digest) return BigInt.asIntN(64, BigInt(`0x${digest[1]}`));
  return createHash('sha256').update(key).digest().readBigInt64BE(0);
}

/**
 * An appended entry whose targets are not in the index yet: its number and targets (their index keys are worked out
 * when the index is written, off the path of the request that waits for its entry).
 */
interface Unindexed {
  n: number | bigint;
  targets: AuditTarget[];
}

/**
 * The audit log on SQLite: `audit_entries`, numbered in the order they were stored; the index of their targets
 * (`audit_targets`, one row per digest, host or bucket of an entry, by a 64-bit key: a filter by target is a range of
 * that index; a key two targets share is told apart by the entry's own targets); each chain's head and where pruning
 * left it.
 *
 * The index is written behind the entries: `append` stores the entries alone (what an answer waits for), and
 * `indexPending` (on the store's next turn, and before anything reads the index) writes the targets of every entry
 * appended since, in one transaction, in key order. A batch of records names hundreds of digests, each a random place
 * in the index: inserted in key order, neighbouring keys share the pages they rewrite, and one transaction for many
 * entries rewrites each page once rather than once per entry. `audit_indexed` says how far the index goes; the entries
 * after it (appended just before a crash) are indexed when the log opens.
 */
export class SqliteAuditLog {
  private readonly sql;
  private readonly appendTx;
  private readonly pruneTx;
  private readonly indexTx;
  private readonly listings = new Map<string, Database.Statement<unknown[], AuditRow>>();
  private unindexed: Unindexed[] = [];
  private unindexedTargets = 0;

  constructor(private readonly db: Database.Database) {
    this.sql = {
      insert: db.prepare(
        `INSERT INTO audit_entries (id, chain, seq, at, request_id, key_id, key_name, ip, action, status, bytes, targets, count, prev_hash, hash)
         VALUES (@id, @chain, @seq, @at, @request_id, @key_id, @key_name, @ip, @action, @status, @bytes, @targets, @count, @prev_hash, @hash)`,
      ),
      target: db.prepare('INSERT OR IGNORE INTO audit_targets (k, n) VALUES (?, ?)'),
      indexed: db.prepare<[], { n: number }>('SELECT n FROM audit_indexed WHERE id = 1'),
      setIndexed: db.prepare('UPDATE audit_indexed SET n = ? WHERE id = 1 AND n < ?'),
      notIndexed: db.prepare<[number], { n: number; targets: string }>('SELECT n, targets FROM audit_entries WHERE n > ? ORDER BY n'),
      head: db.prepare(
        `INSERT INTO audit_heads (chain, seq, hash) VALUES (@chain, @seq, @hash)
         ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`,
      ),
      chains: db.prepare<[], { chain: string; seq: number; hash: string; pruned_seq: number | null; pruned_hash: string | null }>(
        `SELECT h.chain, h.seq, h.hash, a.seq AS pruned_seq, a.hash AS pruned_hash
         FROM audit_heads h LEFT JOIN audit_anchors a ON a.chain = h.chain ORDER BY h.chain`,
      ),
      chainEntries: db.prepare<[string, number, number], AuditRow>(
        'SELECT * FROM audit_entries WHERE chain = ? AND seq > ? ORDER BY seq LIMIT ?',
      ),
      firstFrom: db.prepare<[number], { n: number | null }>('SELECT MIN(n) AS n FROM audit_entries WHERE at >= ?'),
      lastBefore: db.prepare<[number], { n: number | null }>('SELECT MAX(n) AS n FROM audit_entries WHERE at < ?'),
      prunable: db.prepare<[number], { chain: string; seq: number }>(
        'SELECT chain, MAX(seq) AS seq FROM audit_entries WHERE at < ? GROUP BY chain',
      ),
      hashOf: db.prepare<[string, number], { hash: string }>('SELECT hash FROM audit_entries WHERE chain = ? AND seq = ?'),
      anchor: db.prepare(
        `INSERT INTO audit_anchors (chain, seq, hash) VALUES (@chain, @seq, @hash)
         ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash WHERE excluded.seq > audit_anchors.seq`,
      ),
      pruned: db.prepare<[string, number, number], { n: number; seq: number; targets: string }>(
        'SELECT n, seq, targets FROM audit_entries WHERE chain = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT 1000',
      ),
      dropTarget: db.prepare('DELETE FROM audit_targets WHERE k = ? AND n = ?'),
      dropEntries: db.prepare('DELETE FROM audit_entries WHERE chain = ? AND seq <= ?'),
    };
    this.appendTx = db.transaction((entries: AuditEntry[]) => {
      const heads = new Map<string, AuditEntry>();
      const appended: Unindexed[] = [];
      for (const entry of entries) {
        const n = this.sql.insert.run({ ...entry, at: entry.at.getTime(), targets: JSON.stringify(entry.targets) }).lastInsertRowid;
        appended.push({ n, targets: entry.targets });
        heads.set(entry.chain, entry);
      }
      for (const head of heads.values()) this.sql.head.run({ chain: head.chain, seq: head.seq, hash: head.hash });
      return appended;
    });
    this.indexTx = db.transaction((pending: Unindexed[]) => {
      const rows: Array<[bigint, number | bigint]> = [];
      for (const { n, targets } of pending) for (const key of auditTargetKeys({ targets })) rows.push([indexKey(key), n]);
      rows.sort(([a, m], [b, o]) => (a < b ? -1 : a > b ? 1 : Number(m) - Number(o)));
      for (const [k, n] of rows) this.sql.target.run(k, n);
      const last = pending[pending.length - 1].n;
      this.sql.setIndexed.run(last, last);
    });
    this.pruneTx = db.transaction((beforeMs: number) => {
      let removed = 0;
      for (const { chain, seq } of this.sql.prunable.all(beforeMs)) {
        const last = this.sql.hashOf.get(chain, seq)!;
        this.sql.anchor.run({ chain, seq, hash: last.hash });
        // The index rows of the entries that go, a page of entries at a time (nothing holds a whole chain).
        for (let after = 0, page = this.sql.pruned.all(chain, after, seq); page.length > 0; page = this.sql.pruned.all(chain, after, seq)) {
          for (const row of page) {
            const targets = JSON.parse(row.targets) as AuditTarget[];
            for (const key of auditTargetKeys({ targets })) this.sql.dropTarget.run(indexKey(key), row.n);
          }
          after = page[page.length - 1].seq;
        }
        removed += this.sql.dropEntries.run(chain, seq).changes;
      }
      return removed;
    });
  }

  append(entries: AuditEntry[]): void {
    if (entries.length === 0) return;
    for (const appended of this.appendTx.immediate(entries)) {
      this.unindexed.push(appended);
      this.unindexedTargets += appended.targets.length;
    }
  }

  /** Targets of the entries appended and not yet indexed (the store indexes them at once past a bound). */
  get pendingTargets(): number {
    return this.unindexedTargets;
  }

  /** Writes the targets of every entry appended and not yet indexed into the index, in one transaction. */
  indexPending(): void {
    if (this.unindexed.length === 0) return;
    this.indexTx.immediate(this.unindexed);
    this.unindexed = [];
    this.unindexedTargets = 0;
  }

  /** Indexes the entries a crash left unindexed (those after `audit_indexed`); once, as the log opens. */
  recover(): void {
    const from = this.sql.indexed.get()?.n ?? 0;
    for (const row of this.sql.notIndexed.iterate(from)) {
      this.unindexed.push({ n: row.n, targets: JSON.parse(row.targets) as AuditTarget[] });
    }
    this.indexPending();
  }

  list(query: AuditQuery): AuditPage {
    const keys = auditFilterKeys(query);
    if (keys.length > 0) this.indexPending();
    const params: Record<string, unknown> = { limit: query.limit + 1 };
    const where: string[] = [];
    // A target filter drives the query through the index of targets; else the entries' own indexes do.
    const order = keys.length > 0 ? 't.n' : 'e.n';
    if (query.cursor !== undefined) {
      where.push(`${order} < @before`);
      params.before = Number(decodeCursor(query.cursor, (n) => /^[1-9]\d{0,15}$/.test(n)));
    }
    // Time bounds become bounds of `n` (found through the index of times), then hold exactly.
    if (query.since !== undefined) {
      const first = this.sql.firstFrom.get(query.since.getTime())?.n ?? null;
      if (first === null) return { items: [], nextCursor: null };
      where.push(`${order} >= @from`, 'e.at >= @since');
      Object.assign(params, { from: first, since: query.since.getTime() });
    }
    if (query.until !== undefined) {
      const last = this.sql.lastBefore.get(query.until.getTime())?.n ?? null;
      if (last === null) return { items: [], nextCursor: null };
      where.push(`${order} <= @to`, 'e.at < @until');
      Object.assign(params, { to: last, until: query.until.getTime() });
    }
    keys.forEach((key, i) => {
      params[`k${i}`] = indexKey(key);
      if (i === 0) where.push('t.k = @k0');
      else where.push(`EXISTS (SELECT 1 FROM audit_targets x${i} WHERE x${i}.k = @k${i} AND x${i}.n = e.n)`);
    });
    if (query.key_id !== undefined) {
      where.push('e.key_id = @key_id');
      params.key_id = query.key_id;
    }
    if (query.action !== undefined) {
      where.push('e.action = @action');
      params.action = query.action;
    }
    const source = keys.length > 0 ? 'audit_targets t JOIN audit_entries e ON e.n = t.n' : 'audit_entries e';
    const filter = where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`;
    const rows = this.listing(`SELECT e.* FROM ${source} ${filter} ORDER BY ${order} DESC LIMIT @limit`).all(params);
    const more = rows.length > query.limit;
    const page = more ? rows.slice(0, query.limit) : rows;
    // A 64-bit key two targets share (never seen, but possible) would match an entry of the other: each is checked.
    const items = page.map(toEntry).filter((entry) => keys.every((key) => auditTargetKeys(entry).includes(key)));
    return { items, nextCursor: more ? encodeCursor(String(page[page.length - 1].n)) : null };
  }

  chains(): AuditChainState[] {
    return this.sql.chains.all().map((row) => ({
      chain: row.chain,
      head: { seq: row.seq, hash: row.hash },
      pruned: row.pruned_seq === null ? null : { seq: row.pruned_seq, hash: row.pruned_hash! },
    }));
  }

  chainEntries(chain: string, afterSeq: number, limit: number): AuditEntry[] {
    return this.sql.chainEntries.all(chain, afterSeq, limit).map(toEntry);
  }

  prune(before: Date): number {
    // Every index row of an entry pruned goes with it: none may be written after.
    this.indexPending();
    return this.pruneTx.immediate(before.getTime());
  }

  /** A listing statement, prepared once per combination of filters. */
  private listing(text: string): Database.Statement<unknown[], AuditRow> {
    let statement = this.listings.get(text);
    if (!statement) {
      statement = this.db.prepare<unknown[], AuditRow>(text);
      this.listings.set(text, statement);
    }
    return statement;
  }
}
