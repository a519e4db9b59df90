import type { Collection, Db, Filter } from 'mongodb';
import type { AuditChainState, AuditEntry, AuditPage, AuditQuery } from '../audit-store';
import { auditCursorId, auditFilterKeys, auditIdRange, auditTargetKeys } from '../shared/audit-values';
import { encodeCursor } from '../shared/page-cursor';
import { isDuplicateKey } from './mongo-errors';

/** An entry in `audit_entries`: its id as `_id`, and the index keys of its targets (a multikey index). */
export interface AuditEntryDoc extends Omit<AuditEntry, 'id'> {
  _id: string;
  target_keys: string[];
}

/** A chain's last entry, in `audit_heads`: written by that chain's writer only. */
interface AuditHeadDoc {
  _id: string;
  seq: number;
  hash: string;
}

/** The last entry pruned from a chain, in `audit_anchors`: only ever inserted (`_id` chain and sequence number). */
interface AuditAnchorDoc {
  _id: string;
  chain: string;
  seq: number;
  hash: string;
}

function toEntry(doc: AuditEntryDoc): AuditEntry {
  return {
    id: doc._id,
    chain: doc.chain,
    seq: doc.seq,
    at: doc.at,
    request_id: doc.request_id,
    key_id: doc.key_id,
    key_name: doc.key_name,
    ip: doc.ip,
    action: doc.action,
    status: doc.status,
    bytes: doc.bytes,
    targets: doc.targets,
    count: doc.count,
    prev_hash: doc.prev_hash,
    hash: doc.hash,
  };
}

/**
 * The audit log on MongoDB, without transactions and without an update two instances could race: entries are
 * inserted, each chain's head is written only by the chain's writer, and what a prune removed is noted by inserting
 * an anchor (the highest anchor of a chain counts).
 */
export class MongoAuditLog {
  private readonly entries: Collection<AuditEntryDoc>;
  private readonly heads: Collection<AuditHeadDoc>;
  private readonly anchors: Collection<AuditAnchorDoc>;

  constructor(db: Db) {
    this.entries = db.collection<AuditEntryDoc>('audit_entries');
    this.heads = db.collection<AuditHeadDoc>('audit_heads');
    this.anchors = db.collection<AuditAnchorDoc>('audit_anchors');
  }

  async append(entries: AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const heads = new Map<string, AuditEntry>();
    const docs = entries.map((entry): AuditEntryDoc => {
      heads.set(entry.chain, entry);
      const { id, ...rest } = entry;
      return { _id: id, ...rest, target_keys: auditTargetKeys(entry) };
    });
    await this.entries.insertMany(docs, { ordered: true });
    for (const head of heads.values()) {
      await this.heads.updateOne({ _id: head.chain }, { $set: { seq: head.seq, hash: head.hash } }, { upsert: true });
    }
  }

  async list(query: AuditQuery): Promise<AuditPage> {
    const filter: Filter<AuditEntryDoc> = {};
    const { from, to } = auditIdRange(query);
    const id: { $lt?: string; $gte?: string } = {};
    if (from !== undefined) id.$gte = from;
    if (to !== undefined) id.$lt = to;
    if (query.cursor !== undefined) {
      const before = auditCursorId(query.cursor);
      id.$lt = id.$lt === undefined || before < id.$lt ? before : id.$lt;
    }
    if (Object.keys(id).length > 0) filter._id = id;
    const keys = auditFilterKeys(query);
    if (keys.length === 1) filter.target_keys = keys[0];
    if (keys.length > 1) filter.target_keys = { $all: keys };
    if (query.key_id !== undefined) filter.key_id = query.key_id;
    if (query.action !== undefined) filter.action = query.action;
    const docs = await this.entries
      .find(filter)
      .sort({ _id: -1 })
      .limit(query.limit + 1)
      .toArray();
    const more = docs.length > query.limit;
    const items = (more ? docs.slice(0, query.limit) : docs).map(toEntry);
    return { items, nextCursor: more ? encodeCursor(items[items.length - 1].id) : null };
  }

  async chains(): Promise<AuditChainState[]> {
    const pruned = new Map<string, { seq: number; hash: string }>();
    for (const anchor of await this.anchors.find({}).toArray()) {
      const known = pruned.get(anchor.chain);
      if (!known || anchor.seq > known.seq) pruned.set(anchor.chain, { seq: anchor.seq, hash: anchor.hash });
    }
    const heads = await this.heads.find({}).sort({ _id: 1 }).toArray();
    return heads.map((head) => ({ chain: head._id, head: { seq: head.seq, hash: head.hash }, pruned: pruned.get(head._id) ?? null }));
  }

  async chainEntries(chain: string, afterSeq: number, limit: number): Promise<AuditEntry[]> {
    const docs = await this.entries
      .find({ chain, seq: { $gt: afterSeq } })
      .sort({ seq: 1 })
      .limit(limit)
      .toArray();
    return docs.map(toEntry);
  }

  async prune(before: Date): Promise<number> {
    const bound = auditIdRange({ until: before }).to!;
    let removed = 0;
    for (const head of await this.heads.find({}).toArray()) {
      const [last] = await this.entries
        .find({ chain: head._id, _id: { $lt: bound } })
        .sort({ seq: -1 })
        .limit(1)
        .toArray();
      if (!last) continue;
      const anchor = { _id: `${head._id}:${String(last.seq).padStart(12, '0')}`, chain: head._id, seq: last.seq, hash: last.hash };
      try {
        await this.anchors.insertOne(anchor);
      } catch (error) {
        // Another instance pruned to the same entry at the same time: its anchor is this one.
        if (!isDuplicateKey(error)) throw error;
      }
      removed += (await this.entries.deleteMany({ chain: head._id, seq: { $lte: last.seq } })).deletedCount;
      await this.anchors.deleteMany({ chain: head._id, seq: { $lt: last.seq } });
    }
    return removed;
  }
}
