import type { Collection } from 'mongodb';
import type { Sha256 } from '@app/contracts';
import type { BlobEntry } from '../metadata-types';
import { type BlobDoc, type FileDoc, toBlobEntry } from './mongo-documents';
import { isDuplicateKey } from './mongo-errors';
import { sumOf } from './mongo-queries';

/**
 * Registry entries of content that can be served: not taken down, quarantined, storing (an upload has not stored it
 * yet) or being removed by GC. `null` also matches documents without the field.
 */
export const AVAILABLE = { deleted_at: null, quarantined_at: null, storing_at: null, removing_at: null } as const;

/** Entries the registry's reads show: storing and removing ones are absent to them, unless taken down. */
export const VISIBLE = { $or: [{ deleted_at: { $ne: null } }, { storing_at: null, removing_at: null }] };

/**
 * The blob registry on MongoDB (see BlobRegistry for each rule). The store maps errors.
 * Every write is correct on its own, without transactions.
 */
export class MongoBlobRegistry {
  constructor(
    private readonly blobs: Collection<BlobDoc>,
    private readonly files: Collection<FileDoc>,
  ) {}

  /**
   * The entry (settling an upload's claim, touched), then the records' sizes: a crash between the two leaves sizes
   * that the next registration corrects. An entry GC is removing is left as it is.
   */
  async register(_id: Sha256, size: number, now: Date): Promise<BlobEntry> {
    const upsert = () =>
      this.blobs.findOneAndUpdate(
        { _id, removing_at: null },
        {
          $set: { size, quarantined_at: null, storing_at: null, condemned_by: null, touched_at: now },
          $setOnInsert: { created_at: now, deleted_at: null },
        },
        { upsert: true, returnDocument: 'after' },
      );
    const removing = async () => (await this.blobs.findOne({ _id }))!;
    // Two concurrent upserts of a new digest may both try the insert; the loser's retry is a plain update. An insert
    // refused twice met an entry being removed.
    const retry = () => upsert().catch((error) => (isDuplicateKey(error) ? removing() : Promise.reject(error)));
    const doc = (await upsert().catch((error) => (isDuplicateKey(error) ? retry() : Promise.reject(error))))!;
    if (!doc.removing_at) await this.setFileSizes(_id, size);
    return toBlobEntry(doc);
  }

  async setFileSizes(sha256: Sha256, size: number): Promise<number> {
    return (await this.files.updateMany({ sha256, size: { $ne: size } }, { $set: { size } })).modifiedCount;
  }

  async get(ids: Sha256[]): Promise<Map<Sha256, BlobEntry>> {
    const docs = await this.blobs.find({ _id: { $in: ids }, ...VISIBLE }).toArray();
    return new Map(docs.map((doc) => [doc._id, toBlobEntry(doc)]));
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

  async reinstate(_id: Sha256): Promise<boolean> {
    return (await this.blobs.deleteOne({ _id, deleted_at: { $ne: null } })).deletedCount > 0;
  }
}
