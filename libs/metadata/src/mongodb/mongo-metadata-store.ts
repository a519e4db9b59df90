import { type Collection, type Db, MongoClient } from 'mongodb';
import { HoardError, type Sha256 } from '@app/contracts';
import type { AuditChainState, AuditEntry, AuditFilter, AuditPage, AuditQuery } from '../audit-store';
import type { CollectableEntry, ContentTotals, UploadClaim } from '../content-collector';
import { needsUpload } from '../content-state';
import {
  type BlobEntry,
  type FilePage,
  type FileQuery,
  type FileToRecord,
  type KeyRecord,
  type RecordedFile,
  type RecordNamespace,
  type SeenOutcome,
  type StoreStats,
  type StoredFile,
} from '../metadata-types';
import type { JobClaim, JobEnd, JobPage, JobQuery, JobRecord, JobUpdate, NewJob } from '../job-store';
import type { MetadataStore } from '../metadata-store';
import type { PathKey, PathVersions } from '../record-pruner';
import type { RetentionRule } from '../retention-store';
import { type BlobDoc, type FileDoc, type KeyDoc, fromKeyRecord, namespaceFilter, toKeyRecord, toStoredFile } from './mongo-documents';
import { isDuplicateKey, mapMongoError } from './mongo-errors';
import { MongoFileRecorder } from './mongo-file-recorder';
import { listMongoFiles } from './mongo-file-listing';
import { MongoBlobRegistry } from './mongo-blob-registry';
import { type BlobTouchDoc, type GcMarkDoc, MongoContentCollector, type UploadClaimDoc } from './mongo-content-collector';
import { LIVE, mapDoc, parseObjectId, pathPrefixFilter, sumOf } from './mongo-queries';
import { ensureMongoIndexes } from './mongo-indexes';
import { type JobCancelDoc, type JobDoc, type JobLeaseDoc, MongoJobs } from './mongo-jobs';
import { MongoScanRuns, type ScanRunDoc } from './mongo-scan-runs';
import type { HostRecord, NewScanRun, ScanRunPage, ScanRunQuery, ScanRunRecord, ScanRunState, ScanRunUpdate } from '../scan-run-store';
import { MongoPruning } from './mongo-pruning';
import { MongoTenantContent, type TenantContentDoc } from './mongo-tenant-content';
import type { Tenants, TenantStats } from '../tenant-content';
import { MongoAuditLog } from './mongo-audit';
import { streamAuditPages } from '../shared/audit-values';

export interface MongoMetadataStoreOptions {
  uri: string;
  db: string;
  /** How long an operation waits for a reachable server before failing with `unavailable` (default 5000). */
  serverSelectionTimeoutMs?: number;
}

/**
 * Metadata in MongoDB (or a wire-compatible server) through the official driver, for deployments where several
 * server instances share one database. No multi-document transactions: every write is correct on its own, with
 * unique indexes as the arbiters of races.
 */
export class MongoMetadataStore implements MetadataStore {
  readonly kind = 'mongodb';
  private client?: MongoClient;
  private db?: Db;
  private recorder?: MongoFileRecorder;
  private registry?: MongoBlobRegistry;
  private jobs?: MongoJobs;
  private pruning?: MongoPruning;
  private scanRuns?: MongoScanRuns;
  private collector?: MongoContentCollector;
  private tenants?: MongoTenantContent;
  private audit?: MongoAuditLog;

  constructor(private readonly options: MongoMetadataStoreOptions) {}

  /** Connects and creates the indexes (idempotent). */
  async init(): Promise<void> {
    if (this.client) return;
    const client = new MongoClient(this.options.uri, {
      serverSelectionTimeoutMS: this.options.serverSelectionTimeoutMs ?? 5000,
    });
    try {
      await client.connect();
      const db = client.db(this.options.db);
      await ensureMongoIndexes(db);
      this.client = client;
      this.db = db;
      this.recorder = new MongoFileRecorder(db.collection<FileDoc>('files'));
      const marks = db.collection<GcMarkDoc>('gc_marks');
      this.registry = new MongoBlobRegistry(db.collection<BlobDoc>('blobs'), db.collection<FileDoc>('files'), marks);
      this.jobs = new MongoJobs(
        db.collection<JobDoc>('jobs'),
        db.collection<JobLeaseDoc>('job_leases'),
        db.collection<JobCancelDoc>('job_cancels'),
      );
      this.pruning = new MongoPruning(db);
      this.tenants = new MongoTenantContent(
        db.collection<FileDoc>('files'),
        db.collection<BlobDoc>('blobs'),
        db.collection<TenantContentDoc>('tenant_content'),
      );
      this.scanRuns = new MongoScanRuns(db.collection<ScanRunDoc>('scan_runs'), db.collection<FileDoc>('files'));
      this.audit = new MongoAuditLog(db);
      this.collector = new MongoContentCollector(
        db.collection<BlobDoc>('blobs'),
        db.collection<FileDoc>('files'),
        marks,
        db.collection<UploadClaimDoc>('upload_claims'),
        db.collection<BlobTouchDoc>('blob_touches'),
        this.registry,
      );
    } catch (error) {
      await client.close().catch(() => undefined);
      mapMongoError(error);
    }
  }

  async ping(): Promise<void> {
    await this.run((db) => db.command({ ping: 1 }));
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client =
      this.db =
      this.recorder =
      this.registry =
      this.jobs =
      this.pruning =
      this.scanRuns =
      this.collector =
      this.tenants =
      this.audit =
        undefined;
    await client?.close();
  }

  async recordFiles(files: FileToRecord[], now: Date): Promise<RecordedFile[]> {
    return this.run(() => this.recorder!.record(files, now));
  }

  async markFilesSeen(hostname: string, ids: string[], now: Date): Promise<SeenOutcome> {
    const _ids = ids.map(parseObjectId).filter((id): id is NonNullable<typeof id> => id !== null);
    const filter = { _id: { $in: _ids }, hostname, ...namespaceFilter('host'), ...LIVE };
    const docs =
      _ids.length === 0
        ? []
        : await this.run(async () => {
            await this.files().updateMany(filter, { $set: { last_seen_at: now } });
            return this.files()
              .find(filter, { projection: { sha256: 1 } })
              .toArray();
          });
    const blobs = await this.getBlobs([...new Set(docs.map((d) => d.sha256))]);
    const upload = new Map(docs.map((d) => [d._id.toHexString(), needsUpload(d.sha256, blobs.get(d.sha256))]));
    return {
      seen: docs.length,
      stale: ids.filter((id) => !upload.has(id)),
      uploadRequired: ids.filter((id) => upload.get(id) === true),
    };
  }

  async markPathsDeleted(hostname: string, filepaths: string[], now: Date, namespace: RecordNamespace = 'host'): Promise<number> {
    if (filepaths.length === 0) return 0;
    const filter = { ...namespaceFilter(namespace), hostname, filepath: { $in: filepaths }, ...LIVE };
    return this.run(async () => (await this.files().updateMany(filter, { $set: { deleted_at: now } })).modifiedCount);
  }

  async markFileDeleted(id: string, now: Date): Promise<boolean> {
    const _id = parseObjectId(id);
    if (!_id) return false;
    return this.run(async () => {
      const result = await this.files().updateOne({ _id, deleted_at: null }, { $set: { deleted_at: now } });
      return result.matchedCount > 0 || (await this.files().countDocuments({ _id }, { limit: 1 })) > 0;
    });
  }

  async markPrefixDeleted(hostname: string, pathPrefix: string, now: Date, namespace: RecordNamespace = 'host'): Promise<number> {
    const filter = { $and: [{ ...namespaceFilter(namespace), hostname, ...LIVE }, pathPrefixFilter(pathPrefix, namespace)] };
    return this.run(async () => (await this.files().updateMany(filter, { $set: { deleted_at: now } })).modifiedCount);
  }

  async getFile(id: string): Promise<StoredFile | null> {
    const _id = parseObjectId(id);
    return _id ? this.run(async () => mapDoc(await this.files().findOne({ _id }))) : null;
  }

  async listFiles(query: FileQuery): Promise<FilePage> {
    return this.run(() => listMongoFiles(this.files(), query));
  }

  async currentFile(hostname: string, filepath: string, namespace: RecordNamespace = 'host'): Promise<StoredFile | null> {
    const filter = { ...namespaceFilter(namespace), hostname, filepath, ...LIVE };
    return this.run(async () => mapDoc(await this.files().findOne(filter, { sort: { version: -1 } })));
  }

  async fileHistory(hostname: string, filepath: string, namespace: RecordNamespace = 'host'): Promise<StoredFile[]> {
    const filter = { ...namespaceFilter(namespace), hostname, filepath };
    const docs = await this.run(() => this.files().find(filter).sort({ version: -1 }).toArray());
    return docs.map(toStoredFile);
  }

  async filesWithContent(sha256: Sha256): Promise<StoredFile[]> {
    const filter = { sha256: sha256, ...LIVE };
    const docs = await this.run(() => this.files().find(filter).sort({ first_seen_at: 1, _id: 1 }).toArray());
    return docs.map(toStoredFile);
  }

  async epochFile(sha256: Sha256): Promise<StoredFile | null> {
    const sort = { first_seen_at: 1, _id: 1 } as const;
    return this.run(async () => mapDoc(await this.files().findOne({ sha256: sha256, ...namespaceFilter('host') }, { sort })));
  }

  async objectVersion(bucket: string, key: string, version?: number): Promise<StoredFile | null> {
    const filter = { ...namespaceFilter('bucket'), hostname: bucket, filepath: key, ...(version === undefined ? {} : { version }) };
    return this.run(async () => mapDoc(await this.files().findOne(filter, { sort: { version: -1 } })));
  }

  /**
   * A conditional update cannot arbitrate here (FerretDB writes a document back whole, so two concurrent updates of
   * one version can both report it changed): the caller that inserts the version's id into `object_deletions` first
   * wins, and only it marks the version deleted.
   */
  async deleteVersionOnce(id: string, now: Date): Promise<boolean> {
    const _id = parseObjectId(id);
    if (!_id) return false;
    return this.run(async (db) => {
      const filter = { _id, ...namespaceFilter('bucket'), deleted_at: null };
      if ((await this.files().countDocuments(filter, { limit: 1 })) === 0) return false;
      try {
        await db.collection<{ _id: string; at: Date }>('object_deletions').insertOne({ _id: _id.toHexString(), at: now });
      } catch (error) {
        if (isDuplicateKey(error)) return false;
        throw error;
      }
      await this.files().updateOne({ _id }, { $set: { deleted_at: now } });
      return true;
    });
  }

  /** The expired versions are read first and marked by id: `updateMany` takes no limit. */
  async markExpiredDeleted(now: Date, limit: number): Promise<number> {
    const filter = { ...namespaceFilter('bucket'), deleted_at: null, expires_at: { $lte: now } };
    return this.run(async () => {
      const docs = await this.files()
        .find(filter, { projection: { _id: 1 } })
        .sort({ expires_at: 1 })
        .limit(limit)
        .toArray();
      if (docs.length === 0) return 0;
      const ids = docs.map((d) => d._id);
      return (await this.files().updateMany({ _id: { $in: ids }, deleted_at: null }, { $set: { deleted_at: now } })).modifiedCount;
    });
  }

  async registerBlob(sha256: Sha256, size: number, now: Date): Promise<BlobEntry> {
    return this.run(() => this.registry!.register(sha256, size, now));
  }

  async getBlobs(sha256s: Sha256[]): Promise<Map<Sha256, BlobEntry>> {
    return sha256s.length === 0 ? new Map() : this.run(() => this.registry!.get(sha256s));
  }

  async quarantineBlob(sha256: Sha256, now: Date): Promise<boolean> {
    return this.run(() => this.registry!.quarantine(sha256, now));
  }

  async takeDownBlob(sha256: Sha256, size: number, now: Date): Promise<void> {
    await this.run(() => this.registry!.takeDown(sha256, size, now));
  }

  async setFileSizes(sha256: Sha256, size: number): Promise<number> {
    return this.run(() => this.registry!.setFileSizes(sha256, size));
  }

  async reinstateBlob(sha256: Sha256): Promise<boolean> {
    return this.run(() => this.registry!.reinstate(sha256));
  }

  async listBlobs(after: string, limit: number): Promise<BlobEntry[]> {
    return this.run(() => this.registry!.listAfter(after, limit));
  }

  async createKey(key: KeyRecord): Promise<void> {
    await this.run(() => this.keys().insertOne(fromKeyRecord(key)));
  }

  async findKeyByHash(hash: string): Promise<KeyRecord | null> {
    const doc = await this.run(() => this.keys().findOne({ hash }));
    return doc ? toKeyRecord(doc) : null;
  }

  async getKey(id: string): Promise<KeyRecord | null> {
    const doc = await this.run(() => this.keys().findOne({ _id: id }));
    return doc ? toKeyRecord(doc) : null;
  }

  async listKeys(): Promise<KeyRecord[]> {
    const docs = await this.run(() => this.keys().find({}).sort({ created_at: 1, _id: 1 }).toArray());
    return docs.map(toKeyRecord);
  }

  async revokeKey(id: string, now: Date): Promise<boolean> {
    return this.run(async () => {
      const result = await this.keys().updateOne({ _id: id, revoked_at: null }, { $set: { revoked_at: now } });
      return result.matchedCount > 0 || (await this.keys().countDocuments({ _id: id }, { limit: 1 })) > 0;
    });
  }

  async touchKey(id: string, now: Date): Promise<void> {
    await this.run(() => this.keys().updateOne({ _id: id }, { $set: { last_used_at: now } }));
  }

  async countKeys(): Promise<number> {
    return this.run(() => this.keys().countDocuments({}));
  }

  /** Counts and sums in separate queries: each `$group` has one accumulator, which every compatible server runs. */
  async stats(): Promise<StoreStats> {
    return this.run(async () => {
      const hostFiles = { ...LIVE, ...namespaceFilter('host') };
      const [files, hosts, objects, logical, blobs, stored] = await Promise.all([
        this.files().countDocuments(hostFiles),
        this.files().distinct('hostname', hostFiles),
        this.files().countDocuments({ ...LIVE, ...namespaceFilter('bucket') }),
        sumOf(this.files(), LIVE),
        this.registry!.countAvailable(),
        this.registry!.bytesAvailable(),
      ]);
      return { files, hosts: hosts.length, objects, blobs, stored_bytes: stored, logical_bytes: logical };
    });
  }

  referencedWithin(digests: Sha256[], tenants: Tenants): Promise<Set<Sha256>> {
    return this.run(() => this.tenants!.referencedWithin(digests, tenants));
  }

  proveContent(sha256: Sha256, tenants: Tenants, now: Date): Promise<void> {
    return this.run(() => this.tenants!.proveContent(sha256, tenants, now));
  }

  provenWithin(digests: Sha256[], tenants: Tenants): Promise<Set<Sha256>> {
    return this.run(() => this.tenants!.provenWithin(digests, tenants));
  }

  statsWithin(tenants: Tenants): Promise<TenantStats> {
    return this.run(() => this.tenants!.statsWithin(tenants));
  }

  async createJob(job: NewJob, now: Date): Promise<JobRecord> {
    return this.run(() => this.jobs!.create(job, now));
  }

  async getJob(id: string): Promise<JobRecord | null> {
    return this.run(() => this.jobs!.get(id));
  }

  async listJobs(query: JobQuery): Promise<JobPage> {
    return this.run(() => this.jobs!.list(query));
  }

  async claimJob(claim: JobClaim): Promise<JobRecord | null> {
    return this.run(() => this.jobs!.claim(claim));
  }

  async renewLease(id: string, owner: string, now: Date, leaseMs: number): Promise<JobRecord | null> {
    return this.run(() => this.jobs!.renew(id, owner, now, leaseMs));
  }

  async updateJob(id: string, owner: string, update: JobUpdate): Promise<boolean> {
    return this.run(() => this.jobs!.update(id, owner, update));
  }

  async finishJob(id: string, owner: string, end: JobEnd, update?: JobUpdate): Promise<boolean> {
    return this.run(() => this.jobs!.finish(id, owner, end, update));
  }

  async releaseJob(id: string, owner: string, update?: JobUpdate): Promise<boolean> {
    return this.run(() => this.jobs!.release(id, owner, update));
  }

  async cancelJob(id: string, now: Date): Promise<{ job: JobRecord; wasFinal: boolean } | null> {
    return this.run(() => this.jobs!.cancel(id, now));
  }

  async getRetentionRules(): Promise<RetentionRule[]> {
    return this.run(() => this.pruning!.getRules());
  }

  async setRetentionRules(rules: RetentionRule[]): Promise<void> {
    await this.run(() => this.pruning!.setRules(rules));
  }

  async countVersions(): Promise<number> {
    return this.run(() => this.pruning!.countVersions());
  }

  async pathVersions(after: PathKey | null, limit: number): Promise<PathVersions[]> {
    return this.run(() => this.pruning!.pathVersions(after, limit));
  }

  async removeVersions(ids: string[]): Promise<string[]> {
    return this.run(() => this.pruning!.removeVersions(ids));
  }

  async forgetDeletedPath(path: PathKey, deletedAt: Date): Promise<number> {
    return this.run(() => this.pruning!.forgetDeletedPath(path, deletedAt));
  }

  async createScanRun(run: NewScanRun, now: Date): Promise<ScanRunRecord> {
    return this.run(() => this.scanRuns!.create(run, now));
  }

  async getScanRun(id: string): Promise<ScanRunRecord | null> {
    return this.run(() => this.scanRuns!.get(id));
  }

  async listScanRuns(query: ScanRunQuery): Promise<ScanRunPage> {
    return this.run(() => this.scanRuns!.list(query));
  }

  async updateScanRun(id: string, update: ScanRunUpdate, now: Date): Promise<ScanRunRecord | null> {
    return this.run(() => this.scanRuns!.update(id, update, now));
  }

  async interruptSilentScanRuns(silentSince: Date, now: Date): Promise<number> {
    return this.run(() => this.scanRuns!.interrupt(silentSince, now));
  }

  async listHosts(): Promise<HostRecord[]> {
    return this.run(() => this.scanRuns!.hosts());
  }

  async countScanRuns(): Promise<Partial<Record<ScanRunState, number>>> {
    return this.run(() => this.scanRuns!.countByState());
  }

  registryPage(after: string, limit: number): Promise<CollectableEntry[]> {
    return this.run(() => this.collector!.registryPage(after, limit));
  }

  held(sha256s: Sha256[], claimsSince: Date): Promise<Set<Sha256>> {
    return this.run(() => this.collector!.held(sha256s, claimsSince));
  }

  condemn(sha256s: Sha256[], token: string, now: Date): Promise<Sha256[]> {
    return this.run(() => this.collector!.condemn(sha256s, token, now));
  }

  revert(sha256s: Sha256[], token: string): Promise<void> {
    return this.run(() => this.collector!.revert(sha256s, token));
  }

  markRemoving(sha256s: Sha256[], token: string, now: Date, takeOverBefore: Date): Promise<Sha256[]> {
    return this.run(() => this.collector!.markRemoving(sha256s, token, now, takeOverBefore));
  }

  finishRemoval(sha256s: Sha256[], token: string): Promise<number> {
    return this.run(() => this.collector!.finishRemoval(sha256s, token));
  }

  unregistered(sha256s: Sha256[]): Promise<Sha256[]> {
    return this.run(() => this.collector!.unregistered(sha256s));
  }

  adopt(blobs: Array<{ sha256: Sha256; size: number }>, now: Date): Promise<Sha256[]> {
    return this.run(() => this.collector!.adopt(blobs, now));
  }

  touchReferenced(sha256s: Sha256[], now: Date): Promise<Map<Sha256, BlobEntry>> {
    return this.run(() => this.collector!.touchReferenced(sha256s, now));
  }

  claimUpload(sha256: Sha256, now: Date, claim?: string): Promise<UploadClaim> {
    return this.run(() => this.collector!.claimUpload(sha256, now, claim));
  }

  releaseClaim(claim: string): Promise<void> {
    return this.run(() => this.collector!.releaseClaim(claim));
  }

  contentTotals(): Promise<ContentTotals> {
    return this.run(() => this.collector!.contentTotals());
  }

  appendAuditEntries(entries: AuditEntry[]): Promise<void> {
    return this.run(() => this.audit!.append(entries));
  }

  listAuditEntries(query: AuditQuery): Promise<AuditPage> {
    return this.run(() => this.audit!.list(query));
  }

  streamAuditEntries(filter: AuditFilter, pageSize?: number): AsyncIterable<AuditEntry> {
    return streamAuditPages((query) => this.listAuditEntries(query), filter, pageSize);
  }

  auditChains(): Promise<AuditChainState[]> {
    return this.run(() => this.audit!.chains());
  }

  auditChainEntries(chain: string, afterSeq: number, limit: number): Promise<AuditEntry[]> {
    return this.run(() => this.audit!.chainEntries(chain, afterSeq, limit));
  }

  pruneAuditEntries(before: Date): Promise<number> {
    return this.run(() => this.audit!.prune(before));
  }

  private files(): Collection<FileDoc> {
    return this.db!.collection<FileDoc>('files');
  }

  private keys(): Collection<KeyDoc> {
    return this.db!.collection<KeyDoc>('api_keys');
  }

  /** Runs `fn` on the connected database, mapping connection failures to `HoardError('unavailable')`. */
  private async run<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    const db = this.db;
    if (!db) throw new HoardError('unavailable', 'metadata store is not open');
    try {
      return await fn(db);
    } catch (error) {
      return mapMongoError(error);
    }
  }
}
