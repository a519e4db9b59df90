import { type AnyBulkWriteOperation, type Collection, MongoBulkWriteError } from 'mongodb';
import type { Sha256 } from '@app/contracts';
import type { CollectableEntry, ContentCollector, ContentTotals, UploadClaim } from '../content-collector';
import type { BlobEntry } from '../metadata-types';
import { AVAILABLE, type MongoBlobRegistry } from './mongo-blob-registry';
import { type BlobDoc, type FileDoc, toBlobEntry } from './mongo-documents';
import { isDuplicateKey } from './mongo-errors';

/** Registry entries read at a time when totalling unreferenced content. */
const TOTALS_PAGE = 1000;

function toCollectable(doc: BlobDoc): CollectableEntry {
  return {
    sha256: doc._id,
    size: doc.size,
    touched_at: doc.touched_at ?? doc.created_at,
    taken_down: (doc.deleted_at ?? null) !== null,
    quarantined: (doc.quarantined_at ?? null) !== null,
    storing_since: doc.storing_at ?? null,
    condemned_by: doc.condemned_by ?? null,
    removing_since: doc.removing_at ?? null,
  };
}

/**
 * The ContentCollector on MongoDB (see the port for the argument), without multi-document transactions: each step is
 * an update whose filter carries its condition, so it applies to each entry atomically or not at all; the step then
 * reads back which entries it changed (they stay so: only this run, or a touch it tolerates, changes them after).
 */
export class MongoContentCollector implements ContentCollector {
  constructor(
    private readonly blobs: Collection<BlobDoc>,
    private readonly files: Collection<FileDoc>,
    private readonly registry: MongoBlobRegistry,
  ) {}

  async registryPage(after: string, limit: number): Promise<CollectableEntry[]> {
    const docs = await this.blobs
      .find({ _id: { $gt: after as Sha256 } })
      .sort({ _id: 1 })
      .limit(limit)
      .toArray();
    return docs.map(toCollectable);
  }

  async referenced(sha256s: Sha256[]): Promise<Set<Sha256>> {
    if (sha256s.length === 0) return new Set();
    return new Set((await this.files.distinct('sha256', { sha256: { $in: sha256s } })) as Sha256[]);
  }

  async condemn(sha256s: Sha256[], token: string, cutoff: Date, staleClaimsBefore: Date): Promise<Sha256[]> {
    if (sha256s.length === 0) return [];
    await this.blobs.updateMany(
      {
        _id: { $in: sha256s },
        deleted_at: null,
        removing_at: null,
        $and: [
          { $or: [{ touched_at: { $lt: cutoff } }, { touched_at: null, created_at: { $lt: cutoff } }] },
          { $or: [{ storing_at: null }, { storing_at: { $lt: staleClaimsBefore } }] },
        ],
      },
      { $set: { condemned_by: token } },
    );
    return this.ids({ _id: { $in: sha256s }, condemned_by: token, removing_at: null });
  }

  async revert(sha256s: Sha256[], token: string): Promise<void> {
    if (sha256s.length === 0) return;
    await this.blobs.updateMany({ _id: { $in: sha256s }, condemned_by: token, removing_at: null }, { $set: { condemned_by: null } });
  }

  async markRemoving(sha256s: Sha256[], token: string, now: Date, takeOverBefore: Date): Promise<Sha256[]> {
    if (sha256s.length === 0) return [];
    await this.blobs.updateMany(
      {
        _id: { $in: sha256s },
        $or: [{ deleted_at: null, condemned_by: token, removing_at: null }, { removing_at: { $lt: takeOverBefore } }],
      },
      { $set: { removing_at: now, condemned_by: token } },
    );
    return this.ids({ _id: { $in: sha256s }, condemned_by: token, removing_at: { $ne: null } });
  }

  async finishRemoval(sha256s: Sha256[], token: string): Promise<number> {
    if (sha256s.length === 0) return 0;
    const mine = { _id: { $in: sha256s }, condemned_by: token, removing_at: { $ne: null } };
    const removed = (await this.blobs.deleteMany({ ...mine, deleted_at: null })).deletedCount;
    // Taken down while its bytes went: the takedown's entry stays.
    await this.blobs.updateMany(mine, { $set: { condemned_by: null, removing_at: null } });
    return removed;
  }

  async unregistered(sha256s: Sha256[]): Promise<Sha256[]> {
    if (sha256s.length === 0) return [];
    const known = new Set(await this.ids({ _id: { $in: sha256s } }));
    return sha256s.filter((sha256) => !known.has(sha256));
  }

  async adopt(blobs: Array<{ sha256: Sha256; size: number }>, now: Date): Promise<Sha256[]> {
    if (blobs.length === 0) return [];
    const ops: AnyBulkWriteOperation<BlobDoc>[] = blobs.map(({ sha256, size }) => ({
      updateOne: {
        filter: { _id: sha256 },
        update: { $setOnInsert: { size, created_at: now, deleted_at: null, quarantined_at: null, touched_at: now } },
        upsert: true,
      },
    }));
    let upserted: Record<number, unknown>;
    try {
      upserted = (await this.blobs.bulkWrite(ops, { ordered: false })).upsertedIds;
    } catch (error) {
      // An upload registered the digest at the same moment: that entry stays, and is not adopted.
      const refused = error instanceof MongoBulkWriteError ? error.writeErrors : [];
      const list = Array.isArray(refused) ? refused : [refused];
      if (list.length === 0 || !list.every((e) => isDuplicateKey(e))) throw error;
      upserted = (error as MongoBulkWriteError).result.upsertedIds;
    }
    // By the ids inserted (FerretDB numbers upserts in its own way, not by their place in the batch).
    const inserted = new Set(Object.values(upserted).map(String));
    const adopted = blobs.filter((blob) => inserted.has(blob.sha256));
    for (const { sha256, size } of adopted) await this.registry.setFileSizes(sha256, size);
    return adopted.map((blob) => blob.sha256);
  }

  async touchReferenced(sha256s: Sha256[], now: Date): Promise<Map<Sha256, BlobEntry>> {
    if (sha256s.length === 0) return new Map();
    await this.blobs.updateMany({ _id: { $in: sha256s }, removing_at: null }, { $set: { touched_at: now, condemned_by: null } });
    return this.registry.get(sha256s);
  }

  async claimUpload(_id: Sha256, now: Date): Promise<UploadClaim> {
    const insert = { size: 0, created_at: now, deleted_at: null, quarantined_at: null, touched_at: now, storing_at: now };
    const claim = () => this.blobs.findOneAndUpdate({ _id }, { $setOnInsert: insert }, { upsert: true, returnDocument: 'before' });
    // Two uploads claiming a new digest at once may both try the insert; the loser's retry finds the winner's entry.
    const before = await claim().catch((error) => (isDuplicateKey(error) ? claim() : Promise.reject(error)));
    if (!before) return { kind: 'new' };
    if (before.deleted_at) return { kind: 'stored', entry: toBlobEntry(before) };
    if (before.removing_at) return { kind: 'removing' };
    if (before.storing_at) {
      await this.blobs.updateOne({ _id, storing_at: { $ne: null } }, { $set: { storing_at: now, touched_at: now, condemned_by: null } });
      return { kind: 'storing' };
    }
    const touched = await this.blobs.updateOne({ _id, removing_at: null }, { $set: { touched_at: now, condemned_by: null } });
    // GC took it between the two steps: the upload waits for its removal, as if it had been so from the start.
    return touched.matchedCount === 0 ? { kind: 'removing' } : { kind: 'stored', entry: toBlobEntry(before) };
  }

  async settleUpload(_id: Sha256, size: number, now: Date, claimed: UploadClaim['kind']): Promise<BlobEntry | null> {
    const filter = claimed === 'stored' ? { _id, removing_at: null, storing_at: null } : { _id, removing_at: null };
    const doc = await this.blobs.findOneAndUpdate(
      filter,
      { $set: { size, quarantined_at: null, storing_at: null, condemned_by: null, touched_at: now } },
      { returnDocument: 'after' },
    );
    if (!doc) return null;
    await this.registry.setFileSizes(_id, size);
    return toBlobEntry(doc);
  }

  /** Walks the available entries by digest, a page at a time, asking which of each page any record references. */
  async contentTotals(): Promise<ContentTotals> {
    let blobs = 0;
    let bytes = 0;
    for (let after = ''; ;) {
      const page = await this.blobs
        .find({ ...AVAILABLE, _id: { $gt: after as Sha256 } }, { projection: { size: 1 } })
        .sort({ _id: 1 })
        .limit(TOTALS_PAGE)
        .toArray();
      const referenced = await this.referenced(page.map((doc) => doc._id));
      for (const doc of page) {
        if (referenced.has(doc._id)) continue;
        blobs++;
        bytes += doc.size;
      }
      if (page.length < TOTALS_PAGE) break;
      after = page[page.length - 1]._id;
    }
    const quarantined = await this.blobs.countDocuments({ quarantined_at: { $ne: null }, deleted_at: null });
    return { unreferenced_blobs: blobs, unreferenced_bytes: bytes, quarantined_blobs: quarantined };
  }

  private async ids(filter: Parameters<Collection<BlobDoc>['find']>[0]): Promise<Sha256[]> {
    const docs = await this.blobs.find(filter!, { projection: { _id: 1 } }).toArray();
    return docs.map((doc) => doc._id);
  }
}
