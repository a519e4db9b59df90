import type Database from 'better-sqlite3';
import type { AuditChainState, AuditEntry, AuditPage, AuditQuery, AuditTarget } from '../audit-store';
import { auditCursorId, auditFilterKeys, auditIdRange, auditTargetKeys } from '../shared/audit-values';
import { encodeCursor } from '../shared/page-cursor';

/** An `audit_entries` row as better-sqlite3 returns it (time in epoch milliseconds, targets as JSON text). */
interface AuditRow {
  id: string;
  chain: string;
  seq: number;
  at: number;
  request_id: string;
  key_id: string | null;
  key_name: string | null;
  ip: string;
  action: string;
  status: number;
  bytes: number;
  targets: string;
  count: number;
  prev_hash: string;
  hash: string;
}

function toEntry(row: AuditRow): AuditEntry {
  return { ...row, at: new Date(row.at), targets: JSON.parse(row.targets) as AuditTarget[] };
}

/**
 * The audit log on SQLite: `audit_entries`, the index of their targets (`audit_targets`, one row per digest, host or
 * bucket of an entry: a filter by target is a range of that index), each chain's head and where pruning left it.
 */
export class SqliteAuditLog {
  private readonly sql;
  private readonly appendTx;
  private readonly pruneTx;
  private readonly listings = new Map<string, Database.Statement<unknown[], AuditRow>>();

  constructor(private readonly db: Database.Database) {
    this.sql = {
      insert: db.prepare(
        `INSERT INTO audit_entries (id, chain, seq, at, request_id, key_id, key_name, ip, action, status, bytes, targets, count, prev_hash, hash)
         VALUES (@id, @chain, @seq, @at, @request_id, @key_id, @key_name, @ip, @action, @status, @bytes, @targets, @count, @prev_hash, @hash)`,
      ),
      target: db.prepare('INSERT OR IGNORE INTO audit_targets (target, entry_id) VALUES (?, ?)'),
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
      lastBefore: db.prepare<[string], { chain: string; seq: number }>(
        'SELECT chain, MAX(seq) AS seq FROM audit_entries WHERE id < ? GROUP BY chain',
      ),
      hashOf: db.prepare<[string, number], { hash: string }>('SELECT hash FROM audit_entries WHERE chain = ? AND seq = ?'),
      anchor: db.prepare(
        `INSERT INTO audit_anchors (chain, seq, hash) VALUES (@chain, @seq, @hash)
         ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash WHERE excluded.seq > audit_anchors.seq`,
      ),
      dropTargets: db.prepare('DELETE FROM audit_targets WHERE entry_id IN (SELECT id FROM audit_entries WHERE chain = ? AND seq <= ?)'),
      dropEntries: db.prepare('DELETE FROM audit_entries WHERE chain = ? AND seq <= ?'),
    };
    this.appendTx = db.transaction((entries: AuditEntry[]) => {
      const heads = new Map<string, AuditEntry>();
      for (const entry of entries) {
        this.sql.insert.run({ ...entry, at: entry.at.getTime(), targets: JSON.stringify(entry.targets) });
        for (const key of auditTargetKeys(entry)) this.sql.target.run(key, entry.id);
        heads.set(entry.chain, entry);
      }
      for (const head of heads.values()) this.sql.head.run({ chain: head.chain, seq: head.seq, hash: head.hash });
    });
    this.pruneTx = db.transaction((bound: string) => {
      let removed = 0;
      for (const { chain, seq } of this.sql.lastBefore.all(bound)) {
        const last = this.sql.hashOf.get(chain, seq)!;
        this.sql.anchor.run({ chain, seq, hash: last.hash });
        this.sql.dropTargets.run(chain, seq);
        removed += this.sql.dropEntries.run(chain, seq).changes;
      }
      return removed;
    });
  }

  append(entries: AuditEntry[]): void {
    if (entries.length > 0) this.appendTx.immediate(entries);
  }

  list(query: AuditQuery): AuditPage {
    const keys = auditFilterKeys(query);
    const { from, to } = auditIdRange(query);
    const params: Record<string, unknown> = { limit: query.limit + 1 };
    const where: string[] = [];
    // A target filter drives the query through the index of targets; else the entries' own indexes do.
    const idColumn = keys.length > 0 ? 't.entry_id' : 'e.id';
    if (query.cursor !== undefined) {
      where.push(`${idColumn} < @before`);
      params.before = auditCursorId(query.cursor);
    }
    if (from !== undefined) {
      where.push(`${idColumn} >= @from`);
      params.from = from;
    }
    if (to !== undefined) {
      where.push(`${idColumn} < @to`);
      params.to = to;
    }
    keys.forEach((key, i) => {
      params[`t${i}`] = key;
      if (i === 0) where.push('t.target = @t0');
      else where.push(`EXISTS (SELECT 1 FROM audit_targets x${i} WHERE x${i}.target = @t${i} AND x${i}.entry_id = e.id)`);
    });
    if (query.key_id !== undefined) {
      where.push('e.key_id = @key_id');
      params.key_id = query.key_id;
    }
    if (query.action !== undefined) {
      where.push('e.action = @action');
      params.action = query.action;
    }
    const source = keys.length > 0 ? 'audit_targets t JOIN audit_entries e ON e.id = t.entry_id' : 'audit_entries e';
    const filter = where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`;
    const rows = this.listing(`SELECT e.* FROM ${source} ${filter} ORDER BY ${idColumn} DESC LIMIT @limit`).all(params);
    const more = rows.length > query.limit;
    const items = (more ? rows.slice(0, query.limit) : rows).map(toEntry);
    return { items, nextCursor: more ? encodeCursor(items[items.length - 1].id) : null };
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
    const bound = auditIdRange({ until: before }).to!;
    return this.pruneTx.immediate(bound);
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
