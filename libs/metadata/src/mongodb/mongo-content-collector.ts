import { type AnyBulkWriteOperation, type Collection, type Filter, MongoBulkWriteError } from 'mongodb';
import { randomUUID } from 'node:crypto';
import type { Sha256 } from '@app/contracts';
import type { CollectableEntry, ContentCollector, ContentTotals, UploadClaim } from '../content-collector';
import type { BlobEntry } from '../metadata-types';
import type { MongoBlobRegistry } from './mongo-blob-registry';
import type { BlobDoc, FileDoc } from './mongo-documents';
import { isDuplicateKey } from './mongo-errors';

/** GC's mark on a registry entry (collection `gc_marks`, keyed by the digest): written by GC only. */
export interface GcMarkDoc {
  _id: Sha256;
  token: string;
  removing: boolean;
  at: Date;
}

/** When records last referenced content (collection `blob_touches`, keyed by the digest): written by the record paths only. */
export interface BlobTouchDoc {
  _id: Sha256;
  at: Date;
}

/** An upload under way (collection `upload_claims`): written by that upload only. */
export interface UploadClaimDoc {
  _id: string;
  sha256: Sha256;
  claimed_at: Date;
}

/** Registry entries read at a time when totalling unreferenced content. */
const TOTALS_PAGE = 1000;
/** Content is touched by records at most this often (a write per record batch would be wasted). */
const TOUCH_EVERY_MS = 60_000;

/** True when every write error of a bulk write is a duplicate key (an insert that met an existing document). */
function onlyDuplicates(error: unknown): boolean {
  const refused = error instanceof MongoBulkWriteError ? error.writeErrors : [];
  const list = Array.isArray(refused) ? refused : [refused];
  return list.length > 0 && list.every((e) => isDuplicateKey(e));
}

/**
 * The ContentCollector on MongoDB (see the port for the argument). It holds on FerretDB too, which updates a document
 * by writing back what it read, so that two concurrent updates of one document may lose one: GC's marks, the uploads'
 * claims and the records' touches are documents of their own, each written by one party only, and the registry's
 * entries are only inserted (a unique `_id` arbitrates) or deleted here. A lost touch costs no more than a shorter grace.
 */
export class MongoContentCollector implements ContentCollector {
  constructor(
    private readonly blobs: Collection<BlobDoc>,
    private readonly files: Collection<FileDoc>,
    private readonly marks: Collection<GcMarkDoc>,
    private readonly claims: Collection<UploadClaimDoc>,
    private readonly touches: Collection<BlobTouchDoc>,
    private readonly registry: MongoBlobRegistry,
  ) {}

  async registryPage(after: string, limit: number): Promise<CollectableEntry[]> {
    const docs = await this.blobs
      .find({ _id: { $gt: after as Sha256 } })
      .sort({ _id: 1 })
      .limit(limit)
      .toArray();
    const ids = { _id: { $in: docs.map((d) => d._id) } };
    const marks = new Map((await this.marks.find(ids).toArray()).map((m) => [m._id, m]));
    const touches = new Map((await this.touches.find(ids).toArray()).map((t) => [t._id, t.at]));
    return docs.map((doc) => {
      const mark = marks.get(doc._id);
      const stored = doc.touched_at ?? doc.created_at;
      const referenced = touches.get(doc._id);
      return {
        sha256: doc._id,
        size: doc.size,
        touched_at: referenced && referenced > stored ? referenced : stored,
        taken_down: (doc.deleted_at ?? null) !== null,
        quarantined: (doc.quarantined_at ?? null) !== null,
        mark: mark ? { token: mark.token, removing: mark.removing, at: mark.at } : null,
      };
    });
  }

  async held(sha256s: Sha256[], claimsSince: Date): Promise<Set<Sha256>> {
    if (sha256s.length === 0) return new Set();
    const referenced = (await this.files.distinct('sha256', { sha256: { $in: sha256s } })) as Sha256[];
    const claimed = (await this.claims.distinct('sha256', { sha256: { $in: sha256s }, claimed_at: { $gte: claimsSince } })) as Sha256[];
    return new Set([...referenced, ...claimed]);
  }

  async condemn(sha256s: Sha256[], token: string, now: Date): Promise<Sha256[]> {
    if (sha256s.length === 0) return [];
    const docs = sha256s.map((_id) => ({ _id, token, removing: false, at: now }));
    // A digest already marked keeps its mark (an earlier run's: handled as such).
    await this.marks.insertMany(docs, { ordered: false }).catch((error) => (onlyDuplicates(error) ? undefined : Promise.reject(error)));
    return this.marked({ _id: { $in: sha256s }, token, removing: false });
  }

  async revert(sha256s: Sha256[], token: string): Promise<void> {
    if (sha256s.length > 0) await this.marks.deleteMany({ _id: { $in: sha256s }, token, removing: false });
  }

  async markRemoving(sha256s: Sha256[], token: string, now: Date, takeOverBefore: Date): Promise<Sha256[]> {
    if (sha256s.length === 0) return [];
    await this.marks.updateMany(
      {
        _id: { $in: sha256s },
        $or: [
          { token, removing: false },
          { removing: true, at: { $lt: takeOverBefore } },
        ],
      },
      { $set: { token, removing: true, at: now } },
    );
    return this.marked({ _id: { $in: sha256s }, token, removing: true });
  }

  async finishRemoval(sha256s: Sha256[], token: string): Promise<number> {
    if (sha256s.length === 0) return 0;
    const removing = await this.marked({ _id: { $in: sha256s }, token, removing: true });
    // A takedown's entry stays.
    const removed = (await this.blobs.deleteMany({ _id: { $in: removing }, deleted_at: null })).deletedCount;
    await this.touches.deleteMany({ _id: { $in: removing } });
    await this.marks.deleteMany({ _id: { $in: sha256s }, token });
    return removed;
  }

  async unregistered(sha256s: Sha256[]): Promise<Sha256[]> {
    if (sha256s.length === 0) return [];
    const known = new Set((await this.blobs.find({ _id: { $in: sha256s } }, { projection: { _id: 1 } }).toArray()).map((d) => d._id));
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
      if (!onlyDuplicates(error)) throw error;
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
    const entries = await this.registry.get(sha256s);
    // Only registered content is touched, at most once a minute: two commands, whatever the number of digests.
    const registered = [...entries.keys()];
    if (registered.length === 0) return entries;
    const before = now.getTime() - TOUCH_EVERY_MS;
    const touched = new Map((await this.touches.find({ _id: { $in: registered } }).toArray()).map((t) => [t._id, t.at.getTime()]));
    const fresh = registered.filter((sha256) => !touched.has(sha256));
    const stale = registered.filter((sha256) => (touched.get(sha256) ?? before) < before);
    if (fresh.length > 0) {
      const docs = fresh.map((_id) => ({ _id, at: now }));
      // Another record path touched one at the same moment: its touch stands.
      await this.touches.insertMany(docs, { ordered: false }).catch((error) => (onlyDuplicates(error) ? undefined : Promise.reject(error)));
    }
    if (stale.length > 0) await this.touches.updateMany({ _id: { $in: stale } }, { $set: { at: now } });
    return entries;
  }

  async claimUpload(sha256: Sha256, now: Date, claim?: string): Promise<UploadClaim> {
    const id = claim ?? randomUUID();
    if (claim) await this.claims.updateOne({ _id: id }, { $set: { claimed_at: now } });
    else await this.claims.insertOne({ _id: id, sha256, claimed_at: now });
    // Read after the claim is written (the port's argument).
    const marked = (await this.marks.countDocuments({ _id: sha256 }, { limit: 1 })) > 0;
    const entry = (await this.registry.get([sha256])).get(sha256) ?? null;
    return { id, marked, entry };
  }

  async releaseClaim(claim: string): Promise<void> {
    await this.claims.deleteOne({ _id: claim });
  }

  /** Walks the available entries by digest, a page at a time, asking which of each page any record references. */
  async contentTotals(): Promise<ContentTotals> {
    let blobs = 0;
    let bytes = 0;
    const available = { deleted_at: null, quarantined_at: null };
    for (let after = ''; ;) {
      const page = await this.blobs
        .find({ ...available, _id: { $gt: after as Sha256 } }, { projection: { size: 1 } })
        .sort({ _id: 1 })
        .limit(TOTALS_PAGE)
        .toArray();
      const ids = page.map((doc) => doc._id);
      const referenced = new Set(ids.length === 0 ? [] : await this.files.distinct('sha256', { sha256: { $in: ids } }));
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

  private async marked(filter: Filter<GcMarkDoc>): Promise<Sha256[]> {
    return (await this.marks.find(filter, { projection: { _id: 1 } }).toArray()).map((m) => m._id);
  }
}
