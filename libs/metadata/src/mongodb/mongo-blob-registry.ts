import type { Collection } from 'mongodb';
import type { GcMarkDoc } from './mongo-content-collector';
import type { Sha256 } from '@app/contracts';
import type { BlobEntry } from '../metadata-types';
import { type BlobDoc, type FileDoc, toBlobEntry } from './mongo-documents';
import { isDuplicateKey } from './mongo-errors';
import { sumOf } from './mongo-queries';

/** Registry entries of content that can be served (`quarantined_at: null` also matches documents without it). */
const AVAILABLE = { deleted_at: null, quarantined_at: null } as const;

/**
 * The blob registry on MongoDB (see BlobRegistry for each rule). The store maps errors.
 * Every write is correct on its own, without transactions.
 */
export class MongoBlobRegistry {
  constructor(
    private readonly blobs: Collection<BlobDoc>,
    private readonly files: Collection<FileDoc>,
    private readonly marks: Collection<GcMarkDoc>,
  ) {}

  /**
   * The entry (touched: stored now), then the records' sizes: a crash between the two leaves sizes that the next
   * registration corrects.
   */
  async register(_id: Sha256, size: number, now: Date): Promise<BlobEntry> {
    const upsert = () =>
      this.blobs.findOneAndUpdate(
        { _id },
        { $set: { size, quarantined_at: null, touched_at: now }, $setOnInsert: { created_at: now, deleted_at: null } },
        { upsert: true, returnDocument: 'after' },
      );
    // Two concurrent upserts of a new digest may both try the insert; the loser's retry is a plain update.
    const doc = await upsert().catch((error) => (isDuplicateKey(error) ? upsert() : Promise.reject(error)));
    await this.setFileSizes(_id, size);
    return toBlobEntry(doc!);
  }

  async setFileSizes(sha256: Sha256, size: number): Promise<number> {
    return (await this.files.updateMany({ sha256, size: { $ne: size } }, { $set: { size } })).modifiedCount;
  }

  /**
   * Entries GC has marked read as absent (a taken-down one still shows). The marks are read BEFORE the entries, as the
   * port asks: GC removes an entry and only then its mark, so a mark this read misses is either not set yet (GC's look
   * for records, which follows its mark, comes after this read and so after the caller's own write) or already gone
   * with its entry, which the read of the entries that follows then misses too. Read the other way round, a removal
   * that finished between the two reads would show its entry as present and unmarked.
   */
  async get(ids: Sha256[]): Promise<Map<Sha256, BlobEntry>> {
    const marked = new Set((await this.marks.find({ _id: { $in: ids } }, { projection: { _id: 1 } }).toArray()).map((m) => m._id));
    const docs = await this.blobs.find({ _id: { $in: ids } }).toArray();
    return new Map(docs.filter((doc) => doc.deleted_at || !marked.has(doc._id)).map((doc) => [doc._id, toBlobEntry(doc)]));
  }

  async quarantine(_id: Sha256, now: Date): Promise<boolean> {
    const result = await this.blobs.updateOne({ _id, quarantined_at: null }, { $set: { quarantined_at: now } });
    return result.matchedCount > 0 || (await this.blobs.countDocuments({ _id }, { limit: 1 })) > 0;
  }

  async takeDown(_id: Sha256, size: number, now: Date): Promise<void> {
    const takeDown = () =>
      this.blobs.updateOne(
        { _id, deleted_at: null },
        { $set: { deleted_at: now }, $setOnInsert: { size, created_at: now, quarantined_at: null } },
        { upsert: true },
      );
    // Taken down already: the filter misses, the insert collides with the document, and that stays as it is.
    await takeDown().catch((error) => (isDuplicateKey(error) ? undefined : Promise.reject(error)));
  }

  countAvailable(): Promise<number> {
    return this.blobs.countDocuments(AVAILABLE);
  }

  bytesAvailable(): Promise<number> {
    return sumOf(this.blobs, AVAILABLE);
  }

  /** One page of entries by `_id` (the digest): a range of the primary index. */
  async listAfter(after: string, limit: number): Promise<BlobEntry[]> {
    // A limit of 0 means none to MongoDB.
    if (limit <= 0) return [];
    const docs = await this.blobs
      .find({ _id: { $gt: after as Sha256 } })
      .sort({ _id: 1 })
      .limit(limit)
      .toArray();
    return docs.map(toBlobEntry);
  }

  async reinstate(_id: Sha256): Promise<boolean> {
    return (await this.blobs.deleteOne({ _id, deleted_at: { $ne: null } })).deletedCount > 0;
  }
}
