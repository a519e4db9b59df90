import type { Sha256 } from '@app/contracts';
import { type Collection, MongoClient } from 'mongodb';
import { HoardError } from '@app/contracts';
import type { PackCommit, PackEntry, PackIndex, PackInfo } from '@app/storage';
import { isDuplicateKey, mapMongoError } from './mongo-errors';

interface PackDoc {
  _id: string;
  size: number;
  sealed: boolean;
}

interface EntryDoc {
  _id: string;
  pack_id: string;
  offset: number;
  length: number;
}

export interface MongoPackIndexOptions {
  uri: string;
  db: string;
  serverSelectionTimeoutMs?: number;
}

const toEntry = (doc: EntryDoc): PackEntry => ({ sha256: doc._id as Sha256, packId: doc.pack_id, offset: doc.offset, length: doc.length });

/**
 * The pack index on MongoDB (collections `packs` and `pack_entries`), without transactions: a commit first moves the
 * packs' committed ends forward, then inserts the entries (unordered; a digest already indexed keeps its entry). A
 * crash in between leaves committed bytes that no entry names (dead space, as after a delete), never an entry whose
 * bytes a restart would cut off.
 */
export class MongoPackIndex implements PackIndex {
  private client?: MongoClient;
  private packsOf?: Collection<PackDoc>;
  private entries?: Collection<EntryDoc>;

  constructor(private readonly options: MongoPackIndexOptions) {}

  /** Connects and creates the index of entries by pack (idempotent). */
  async init(): Promise<void> {
    if (this.client) return;
    const client = new MongoClient(this.options.uri, { serverSelectionTimeoutMS: this.options.serverSelectionTimeoutMs ?? 5000 });
    try {
      await client.connect();
      const db = client.db(this.options.db);
      const entries = db.collection<EntryDoc>('pack_entries');
      await entries.createIndexes([{ key: { pack_id: 1, offset: 1 }, name: 'pack_entries_pack' }]);
      this.client = client;
      this.packsOf = db.collection<PackDoc>('packs');
      this.entries = entries;
    } catch (error) {
      await client.close().catch(() => undefined);
      mapMongoError(error);
    }
  }

  async commit(batch: PackCommit): Promise<void> {
    await this.run(async (packs, entries) => {
      if (batch.packs.length > 0) {
        await packs.bulkWrite(
          batch.packs.map((p) => ({ updateOne: { filter: { _id: p.id }, update: { $set: { size: p.size, sealed: p.sealed } }, upsert: true } })),
        );
      }
      if (batch.entries.length === 0) return;
      const docs = batch.entries.map((e) => ({ _id: e.sha256, pack_id: e.packId, offset: e.offset, length: e.length }));
      await entries.insertMany(docs, { ordered: false }).catch((error) => {
        const failures: Array<{ code?: number }> = (error as { writeErrors?: Array<{ code?: number }> }).writeErrors ?? [error];
        if (!failures.every((failure) => isDuplicateKey(failure))) throw error;
      });
    });
  }

  async lookup(sha256: string): Promise<PackEntry | null> {
    const doc = await this.run((_, entries) => entries.findOne({ _id: sha256 }));
    return doc ? toEntry(doc) : null;
  }

  async lookupMany(sha256s: string[]): Promise<Map<string, PackEntry>> {
    const docs = sha256s.length === 0 ? [] : await this.run((_, entries) => entries.find({ _id: { $in: sha256s } }).toArray());
    return new Map(docs.map((doc) => [doc._id, toEntry(doc)]));
  }

  async remove(sha256: string): Promise<boolean> {
    return this.run(async (_, entries) => (await entries.deleteOne({ _id: sha256 })).deletedCount > 0);
  }

  async list(after: string, limit: number): Promise<PackEntry[]> {
    const docs = await this.run((_, entries) => entries.find({ _id: { $gt: after } }).sort({ _id: 1 }).limit(limit).toArray());
    return docs.map(toEntry);
  }

  async packs(): Promise<PackInfo[]> {
    return this.run(async (packs, entries) => {
      const all = await packs.find().sort({ _id: 1 }).toArray();
      // One accumulator per $group: FerretDB v1 computes only the first.
      const perPack = async (sum: 1 | '$length') => {
        const rows = await entries.aggregate<{ _id: string; n: number }>([{ $group: { _id: '$pack_id', n: { $sum: sum } } }]).toArray();
        return new Map(rows.map((row) => [row._id, Number(row.n)]));
      };
      const [counts, bytes] = [await perPack(1), await perPack('$length')];
      return all.map((p) => ({
        id: p._id,
        size: p.size,
        sealed: p.sealed,
        entries: counts.get(p._id) ?? 0,
        liveBytes: bytes.get(p._id) ?? 0,
      }));
    });
  }

  async entriesOf(packId: string): Promise<PackEntry[]> {
    const docs = await this.run((_, entries) => entries.find({ pack_id: packId }).sort({ offset: 1 }).toArray());
    return docs.map(toEntry);
  }

  /** Entries first: a crash in between leaves a pack with no entries, which the next drop removes. */
  async dropPack(packId: string): Promise<void> {
    await this.run(async (packs, entries) => {
      await entries.deleteMany({ pack_id: packId });
      await packs.deleteOne({ _id: packId });
    });
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = this.packsOf = this.entries = undefined;
    await client?.close();
  }

  private async run<T>(fn: (packs: Collection<PackDoc>, entries: Collection<EntryDoc>) => Promise<T>): Promise<T> {
    if (!this.packsOf || !this.entries) throw new HoardError('unavailable', 'the pack index is not open');
    try {
      return await fn(this.packsOf, this.entries);
    } catch (error) {
      return mapMongoError(error);
    }
  }
}
