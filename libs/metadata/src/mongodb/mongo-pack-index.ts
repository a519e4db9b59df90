import { type AnyBulkWriteOperation, type Collection, type Db, MongoBulkWriteError, MongoClient } from 'mongodb';
import { HoardError, type Sha256 } from '@app/contracts';
import type { PackCommit, PackEntry, PackIndex, PackInfo } from '@app/storage';
import { isDuplicateKey, mapMongoError } from './mongo-errors';

export interface MongoPackIndexOptions {
  uri: string;
  db: string;
  /** How long an operation waits for a reachable server before failing with `unavailable` (default 5000). */
  serverSelectionTimeoutMs?: number;
}

/** A pack: its committed end only grows; sealed once set. */
interface PackDoc {
  _id: string;
  size: number;
  sealed: boolean;
}

/** An entry, keyed by its digest: a unique _id keeps the first entry of a digest. */
interface EntryDoc {
  _id: string;
  pack_id: string;
  offset: number;
  length: number;
}

const toEntry = (doc: EntryDoc): PackEntry => ({ sha256: doc._id as Sha256, packId: doc.pack_id, offset: doc.offset, length: doc.length });

/**
 * The pack index in MongoDB (collections `packs` and `pack_entries`), shared by every instance, without
 * multi-document transactions. A commit is a few unordered bulk writes, each safe on its own and in any interleaving
 * with other instances: first the packs (upserted, the committed end raised with `$max`), then the entries (inserted
 * with the digest as `_id`, so the first entry of a digest stays and a later one is refused) and GC's moves (each
 * conditional on the entry's old pack), and last the seal of the packs it fills (sealed only ever set).
 * A crash after the packs leaves a known pack without entries: never visible content, only bytes for GC; content
 * becomes visible only with its entry, whose pack is by then known, so recovery never removes it; and a pack seen
 * sealed has all its entries, so GC's rewrite of it misses none.
 */
export class MongoPackIndex implements PackIndex {
  private client?: MongoClient;
  private db?: Db;

  constructor(private readonly options: MongoPackIndexOptions) {}

  /** Connects and creates the index of entries by pack (idempotent). */
  async init(): Promise<void> {
    if (this.client) return;
    const client = new MongoClient(this.options.uri, { serverSelectionTimeoutMS: this.options.serverSelectionTimeoutMs ?? 5000 });
    try {
      await client.connect();
      const db = client.db(this.options.db);
      await db.collection('pack_entries').createIndexes([{ key: { pack_id: 1, offset: 1 }, name: 'pack_entries_pack' }]);
      this.client = client;
      this.db = db;
    } catch (error) {
      await client.close().catch(() => undefined);
      mapMongoError(error);
    }
  }

  async commit(batch: PackCommit): Promise<void> {
    const packOps: AnyBulkWriteOperation<PackDoc>[] = batch.packs.map(({ id, size }) => ({
      updateOne: { filter: { _id: id }, update: { $max: { size }, $setOnInsert: { sealed: false } }, upsert: true },
    }));
    const entryOps: AnyBulkWriteOperation<EntryDoc>[] = batch.entries.map((e) => ({
      insertOne: { document: { _id: e.sha256, pack_id: e.packId, offset: e.offset, length: e.length } },
    }));
    const moveOps: AnyBulkWriteOperation<EntryDoc>[] = (batch.moves ?? []).map((m) => ({
      updateOne: {
        filter: { _id: m.sha256, pack_id: m.from },
        update: { $set: { pack_id: m.packId, offset: m.offset, length: m.length } },
      },
    }));
    const sealed = batch.packs.filter((pack) => pack.sealed).map((pack) => pack.id);
    await this.run(async () => {
      if (packOps.length > 0) await this.packDocs().bulkWrite(packOps, { ordered: false });
      if (entryOps.length > 0) await this.insertEntries(entryOps);
      if (moveOps.length > 0) await this.entries().bulkWrite(moveOps, { ordered: false });
      // Sealed last: GC rewrites sealed packs only, and must find every entry of one when it reads them.
      if (sealed.length > 0) await this.packDocs().updateMany({ _id: { $in: sealed } }, { $set: { sealed: true } });
    });
  }

  async lookup(sha256: string): Promise<PackEntry | null> {
    const doc = await this.run(() => this.entries().findOne({ _id: sha256 }));
    return doc ? toEntry(doc) : null;
  }

  async lookupMany(sha256s: string[]): Promise<Map<string, PackEntry>> {
    if (sha256s.length === 0) return new Map();
    const docs = await this.run(() =>
      this.entries()
        .find({ _id: { $in: sha256s } })
        .toArray(),
    );
    return new Map(docs.map((doc) => [doc._id, toEntry(doc)]));
  }

  async remove(sha256: string): Promise<boolean> {
    return this.run(async () => (await this.entries().deleteOne({ _id: sha256 })).deletedCount > 0);
  }

  async list(after: string, limit: number): Promise<PackEntry[]> {
    const docs = await this.run(() =>
      this.entries()
        .find({ _id: { $gt: after } })
        .sort({ _id: 1 })
        .limit(limit)
        .toArray(),
    );
    return docs.map(toEntry);
  }

  /** Counts and sums in separate `$group`s of one accumulator each, which every compatible server runs. */
  async packs(): Promise<PackInfo[]> {
    return this.run(async () => {
      const [packs, counts, sums] = await Promise.all([
        this.packDocs().find({}).sort({ _id: 1 }).toArray(),
        this.entries()
          .aggregate<{ _id: string; n: number }>([{ $group: { _id: '$pack_id', n: { $sum: 1 } } }])
          .toArray(),
        this.entries()
          .aggregate<{ _id: string; n: number }>([{ $group: { _id: '$pack_id', n: { $sum: '$length' } } }])
          .toArray(),
      ]);
      const count = new Map(counts.map((c) => [c._id, Number(c.n)]));
      const bytes = new Map(sums.map((s) => [s._id, Number(s.n)]));
      return packs.map((p) => ({
        id: p._id,
        size: p.size,
        sealed: p.sealed,
        entries: count.get(p._id) ?? 0,
        liveBytes: bytes.get(p._id) ?? 0,
      }));
    });
  }

  async entriesOf(packId: string): Promise<PackEntry[]> {
    const docs = await this.run(() => this.entries().find({ pack_id: packId }).sort({ offset: 1 }).toArray());
    return docs.map(toEntry);
  }

  /** The entries go first: a crash in between leaves a known pack without entries, never entries without a pack. */
  async dropPack(packId: string): Promise<void> {
    await this.run(async () => {
      await this.entries().deleteMany({ pack_id: packId });
      await this.packDocs().deleteOne({ _id: packId });
    });
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = this.db = undefined;
    await client?.close();
  }

  /** Inserts entries; a digest already indexed keeps its first entry: only such refusals are expected. */
  private async insertEntries(entryOps: AnyBulkWriteOperation<EntryDoc>[]): Promise<void> {
    try {
      await this.entries().bulkWrite(entryOps, { ordered: false });
    } catch (error) {
      const refused = error instanceof MongoBulkWriteError ? error.writeErrors : [];
      const list = Array.isArray(refused) ? refused : [refused];
      if (list.length === 0 || !list.every((e) => isDuplicateKey(e))) throw error;
    }
  }

  private packDocs(): Collection<PackDoc> {
    return this.db!.collection<PackDoc>('packs');
  }

  private entries(): Collection<EntryDoc> {
    return this.db!.collection<EntryDoc>('pack_entries');
  }

  private async run<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.db) throw new HoardError('unavailable', 'the pack index is not open');
    try {
      return await fn();
    } catch (error) {
      return mapMongoError(error);
    }
  }
}
