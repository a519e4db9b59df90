import { type Collection, type Filter, MongoBulkWriteError } from 'mongodb';
import type { Sha256 } from '@app/contracts';
import { type Tenants, type TenantStats, tenantNames } from '../tenant-content';
import type { BlobDoc, FileDoc } from './mongo-documents';
import { isDuplicateKey } from './mongo-errors';
import { LIVE, sumOf } from './mongo-queries';

/**
 * A proof that a tenant's key uploaded content: `_id` is `<sha256> <tenant>`, so that a second proof is a duplicate
 * and every lookup is one of the primary index.
 */
export interface TenantContentDoc {
  _id: string;
  sha256: Sha256;
  tenant: string;
  proven_at: Date;
}

/** Digests whose registry entries are read at a time when totalling a tenant's content. */
const STATS_PAGE = 1000;
/** Proof ids looked up at a time. */
const PROOF_IDS_PAGE = 1000;

/** The `_id` of a proof: the digest, then the tenant (a tenant name may hold any character but NUL). */
function proofId(sha256: Sha256, tenant: string): string {
  return `${sha256} ${tenant}`;
}

/**
 * The TenantContent port on MongoDB: references read from `files`, proofs in `tenant_content`, only ever inserted
 * (a duplicate key is the proof already there), so FerretDB's whole-document updates can lose none.
 */
export class MongoTenantContent {
  constructor(
    private readonly files: Collection<FileDoc>,
    private readonly blobs: Collection<BlobDoc>,
    private readonly proofs: Collection<TenantContentDoc>,
  ) {}

  async referencedWithin(digests: Sha256[], tenants: Tenants): Promise<Set<Sha256>> {
    const under = within(tenants);
    if (digests.length === 0 || under.length === 0) return new Set();
    const found = new Set<Sha256>();
    for (const part of under) {
      for (const sha of await this.files.distinct('sha256', { ...part, sha256: { $in: digests } })) found.add(sha as Sha256);
    }
    return found;
  }

  async proveContent(sha256: Sha256, tenants: Tenants, now: Date): Promise<void> {
    const docs = tenantNames(tenants).map((tenant) => ({ _id: proofId(sha256, tenant), sha256, tenant, proven_at: now }));
    if (docs.length === 0) return;
    await this.proofs.insertMany(docs, { ordered: false }).catch((error: unknown) => {
      const refused = error instanceof MongoBulkWriteError ? error.writeErrors : [];
      const list = Array.isArray(refused) ? refused : [refused];
      if (list.length === 0 || !list.every((e) => isDuplicateKey(e))) throw error;
    });
  }

  /** Looks proofs up by `_id` only (the primary index; the collection needs no other), a page of ids at a time. */
  async provenWithin(digests: Sha256[], tenants: Tenants): Promise<Set<Sha256>> {
    const names = tenantNames(tenants);
    const found = new Set<Sha256>();
    if (names.length === 0) return found;
    const perPage = Math.max(1, Math.floor(PROOF_IDS_PAGE / names.length));
    for (let start = 0; start < digests.length; start += perPage) {
      const ids = digests.slice(start, start + perPage).flatMap((sha256) => names.map((tenant) => proofId(sha256, tenant)));
      const docs = await this.proofs.find({ _id: { $in: ids } }, { projection: { sha256: 1 } }).toArray();
      for (const doc of docs) found.add(doc.sha256);
    }
    return found;
  }

  /** Counts records with one query per namespace, and the content they name a page of digests at a time. */
  async statsWithin(tenants: Tenants): Promise<TenantStats> {
    const hostFiles: Filter<FileDoc> = { ...LIVE, namespace: 'host', hostname: { $in: [...tenants.hostnames] } };
    const objects: Filter<FileDoc> = { ...LIVE, namespace: 'bucket', hostname: { $in: [...tenants.buckets] } };
    const [files, hosts, objectCount, fileBytes, objectBytes] = await Promise.all([
      this.files.countDocuments(hostFiles),
      this.files.distinct('hostname', hostFiles),
      this.files.countDocuments(objects),
      sumOf(this.files, hostFiles),
      sumOf(this.files, objects),
    ]);
    const totals = { blobs: 0, stored: 0, quarantined: 0 };
    const digests = this.files.aggregate<{ _id: Sha256 }>([
      {
        $match: {
          ...LIVE,
          $or: [
            { namespace: 'host', hostname: { $in: [...tenants.hostnames] } },
            { namespace: 'bucket', hostname: { $in: [...tenants.buckets] } },
          ],
        },
      },
      { $group: { _id: '$sha256' } },
    ]);
    let page: Sha256[] = [];
    const count = async () => {
      for (const entry of await this.blobs.find({ _id: { $in: page }, deleted_at: null }).toArray()) {
        if (entry.quarantined_at) totals.quarantined++;
        else {
          totals.blobs++;
          totals.stored += entry.size;
        }
      }
      page = [];
    };
    for await (const row of digests) {
      page.push(row._id);
      if (page.length >= STATS_PAGE) await count();
    }
    if (page.length > 0) await count();
    return {
      files,
      hosts: hosts.length,
      objects: objectCount,
      blobs: totals.blobs,
      stored_bytes: totals.stored,
      logical_bytes: fileBytes + objectBytes,
      quarantined_blobs: totals.quarantined,
    };
  }
}

/** The record filters of the tenants, one per namespace that names any. */
function within(tenants: Tenants): Filter<FileDoc>[] {
  const parts: Filter<FileDoc>[] = [];
  if (tenants.hostnames.length > 0) parts.push({ namespace: 'host', hostname: { $in: [...tenants.hostnames] } });
  if (tenants.buckets.length > 0) parts.push({ namespace: 'bucket', hostname: { $in: [...tenants.buckets] } });
  return parts;
}
