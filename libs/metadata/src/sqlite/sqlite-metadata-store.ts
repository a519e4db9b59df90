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
import { GroupCommit } from '../shared/group-commit';
import type { PathKey, PathVersions } from '../record-pruner';
import type { RetentionRule } from '../retention-store';
import type { HostRecord, NewScanRun, ScanRunPage, ScanRunQuery, ScanRunRecord, ScanRunState, ScanRunUpdate } from '../scan-run-store';
import { streamAuditPages } from '../shared/audit-values';
import { prefixRangeIn } from '../shared/prefix-range';
import { SqliteAuditLog } from './sqlite-audit';
import { mapSqliteError } from './sqlite-errors';
import { parseRowId } from './sqlite-file-listing';
import { acquireSqlite, type BlobToRegister, type OpenSqlite, releaseSqlite } from './sqlite-connection';
import { SqliteContentCollector } from './sqlite-content-collector';
import { SqliteTenantContent } from './sqlite-tenant-content';
import type { Tenants, TenantStats } from '../tenant-content';
import { type FileRow, fromDate, toBlobEntry, toDate, toKeyRecord, toStoredFile } from './sqlite-rows';

export interface SqliteMetadataStoreOptions {
  /** Database file; its directory is created if missing. */
  path: string;
  /** How long a writer waits for another connection's lock before failing with `unavailable` (default 5000). */
  busyTimeoutMs?: number;
}

/**
 * The audit's targets are indexed on the event loop's turn after their entries are stored, once the answers that
 * waited for those entries are sent (see SqliteAuditLog)... or at once when the entries waiting name this many
 * targets.
 */
const AUDIT_INDEX_AT_ONCE = 50_000;

/**
 * The embedded metadata store: one SQLite file (WAL) through better-sqlite3. Calls are synchronous underneath,
 * so each write is atomic within the process; writes take the database lock up front (`BEGIN IMMEDIATE`), so a
 * second process on the same file cannot interleave a read-then-write either.
 */
export class SqliteMetadataStore implements MetadataStore {
  readonly kind = 'sqlite';
  private open?: OpenSqlite;
  private collector?: SqliteContentCollector;
  private tenants?: SqliteTenantContent;
  private audit?: SqliteAuditLog;
  private auditIndexing?: NodeJS.Immediate;

  private readonly registrations = new GroupCommit<BlobToRegister, BlobEntry>((blobs) => this.run((o) => o.register(blobs)));

  constructor(private readonly options: SqliteMetadataStoreOptions) {}

  /** Opens the file (0600, made so before SQLite sees it), sets WAL and the busy timeout, and migrates the schema. */
  async init(): Promise<void> {
    if (this.open) return;
    try {
      this.open = acquireSqlite(this.options.path, this.options.busyTimeoutMs ?? 5000);
      this.collector = new SqliteContentCollector(this.open.db);
      this.tenants = new SqliteTenantContent(this.open.db);
      this.audit = new SqliteAuditLog(this.open.db);
      this.audit.recover();
    } catch (error) {
      if (error instanceof HoardError) throw error;
      throw new HoardError('unavailable', `cannot open metadata database ${this.options.path}: ${String(error)}`, {
        cause: error,
      });
    }
  }

  async ping(): Promise<void> {
    this.run((o) => o.sql.ping.get());
  }

  async close(): Promise<void> {
    clearImmediate(this.auditIndexing);
    this.auditIndexing = undefined;
    this.indexAudit();
    const open = this.open;
    this.open = this.collector = this.tenants = this.audit = undefined;
    if (open) await releaseSqlite(open);
  }

  async recordFiles(files: FileToRecord[], now: Date): Promise<RecordedFile[]> {
    return this.run((o) => o.record(files, now.getTime()));
  }

  async markFilesSeen(hostname: string, ids: string[], now: Date): Promise<SeenOutcome> {
    const rowIds = ids.map(parseRowId);
    const valid = rowIds.filter((id): id is number => id !== null);
    const rows = valid.length === 0 ? [] : this.run((o) => o.sql.seen.all(now.getTime(), JSON.stringify(valid), hostname));
    const confirmed = rows.length === ids.length ? null : new Set(rows.map((r) => r[0]));
    const stale = confirmed ? ids.filter((_, i) => !confirmed.has(rowIds[i] ?? 0)) : [];
    // Available content is the common case; only the others need their registry entry to decide.
    const others = rows.filter(([, present]) => present !== 1).map(([id]) => id);
    const upload = new Set<number>();
    if (others.length > 0) {
      for (const [id, sha256, registered, deleted, quarantined] of this.run((o) => o.sql.registryOf.all(JSON.stringify(others)))) {
        const entry = registered ? { deleted_at: toDate(deleted), quarantined_at: toDate(quarantined) } : null;
        if (needsUpload(sha256, entry)) upload.add(id);
      }
    }
    return {
      seen: rows.length,
      stale,
      uploadRequired: upload.size === 0 ? [] : ids.filter((_, i) => upload.has(rowIds[i] ?? 0)),
    };
  }

  async markPathsDeleted(hostname: string, filepaths: string[], now: Date, namespace: RecordNamespace = 'host'): Promise<number> {
    return this.run((o) => o.deletePaths(namespace, hostname, filepaths, now.getTime()));
  }

  async markFileDeleted(id: string, now: Date): Promise<boolean> {
    const rowId = parseRowId(id);
    return rowId !== null && this.run((o) => o.sql.deleteId.run(now.getTime(), rowId).changes > 0);
  }

  async markPrefixDeleted(hostname: string, pathPrefix: string, now: Date, namespace: RecordNamespace = 'host'): Promise<number> {
    const params = { now: now.getTime(), namespace, hostname, ...prefixRangeIn(namespace, pathPrefix) };
    return this.run((o) => o.sql.deletePrefix.run(params).changes);
  }

  async getFile(id: string): Promise<StoredFile | null> {
    const rowId = parseRowId(id);
    if (rowId === null) return null;
    return this.run((o) => mapRow(o.sql.byId.get(rowId)));
  }

  async listFiles(query: FileQuery): Promise<FilePage> {
    return this.run((o) => o.listing.list(query));
  }

  async currentFile(hostname: string, filepath: string, namespace: RecordNamespace = 'host'): Promise<StoredFile | null> {
    return this.run((o) => mapRow(o.sql.currentLive.get(namespace, hostname, filepath)));
  }

  async fileHistory(hostname: string, filepath: string, namespace: RecordNamespace = 'host'): Promise<StoredFile[]> {
    return this.run((o) => o.sql.history.all(namespace, hostname, filepath).map(toStoredFile));
  }

  async filesWithContent(sha256: Sha256): Promise<StoredFile[]> {
    return this.run((o) => o.sql.clones.all(sha256).map(toStoredFile));
  }

  async epochFile(sha256: Sha256): Promise<StoredFile | null> {
    return this.run((o) => mapRow(o.sql.epoch.get(sha256)));
  }

  async objectVersion(bucket: string, key: string, version?: number): Promise<StoredFile | null> {
    if (version === undefined) return this.run((o) => mapRow(o.sql.objectLatest.get(bucket, key)));
    return this.run((o) => mapRow(o.sql.objectVersion.get(bucket, key, version)));
  }

  async deleteVersionOnce(id: string, now: Date): Promise<boolean> {
    const rowId = parseRowId(id);
    return rowId !== null && this.run((o) => o.sql.deleteVersionOnce.run(now.getTime(), rowId).changes > 0);
  }

  async markExpiredDeleted(now: Date, limit: number): Promise<number> {
    return this.run((o) => o.sql.deleteExpired.run({ now: now.getTime(), limit }).changes);
  }

  /** Concurrent registrations (a pack upload's parts, small PUTs) share one transaction: see {@link GroupCommit}. */
  async registerBlob(sha256: Sha256, size: number, now: Date): Promise<BlobEntry> {
    return this.registrations.add({ sha256, size, nowMs: now.getTime() });
  }

  async getBlobs(sha256s: Sha256[]): Promise<Map<Sha256, BlobEntry>> {
    if (sha256s.length === 1) {
      // One digest (every upload asks for its own): an indexed lookup, without decoding a JSON array.
      const row = this.run((o) => o.sql.blob.get(sha256s[0]));
      return new Map(row ? [[row.sha256, toBlobEntry(row)]] : []);
    }
    const digests = JSON.stringify(sha256s);
    const rows = this.run((o) => o.sql.blobsIn.all(digests));
    return new Map(rows.map((row) => [row.sha256, toBlobEntry(row)]));
  }

  async quarantineBlob(sha256: Sha256, now: Date): Promise<boolean> {
    return this.run((o) => o.sql.quarantineBlob.run(now.getTime(), sha256).changes > 0);
  }

  async takeDownBlob(sha256: Sha256, size: number, now: Date): Promise<void> {
    this.run((o) => o.sql.takeDownBlob.run({ sha256: sha256, size, now: now.getTime() }));
  }

  async setFileSizes(sha256: Sha256, size: number): Promise<number> {
    return this.run((o) => o.sql.fixSizes.run({ sha256: sha256, size }).changes);
  }

  async reinstateBlob(sha256: Sha256): Promise<boolean> {
    return this.run((o) => o.sql.reinstateBlob.run(sha256).changes > 0);
  }

  async listBlobs(after: string, limit: number): Promise<BlobEntry[]> {
    return this.run((o) => o.sql.blobsAfter.all(after, limit).map(toBlobEntry));
  }

  async createKey(key: KeyRecord): Promise<void> {
    this.run((o) =>
      o.sql.insertKey.run({
        id: key.id,
        name: key.name,
        scopes: JSON.stringify(key.scopes),
        hostnames: JSON.stringify(key.hostnames),
        buckets: JSON.stringify(key.buckets),
        hash: key.hash,
        created_at: key.created_at.getTime(),
        expires_at: fromDate(key.expires_at),
        last_used_at: fromDate(key.last_used_at),
        revoked_at: fromDate(key.revoked_at),
      }),
    );
  }

  async findKeyByHash(hash: string): Promise<KeyRecord | null> {
    const row = this.run((o) => o.sql.keyByHash.get(hash));
    return row ? toKeyRecord(row) : null;
  }

  async getKey(id: string): Promise<KeyRecord | null> {
    const row = this.run((o) => o.sql.keyById.get(id));
    return row ? toKeyRecord(row) : null;
  }

  async listKeys(): Promise<KeyRecord[]> {
    return this.run((o) => o.sql.keys.all().map(toKeyRecord));
  }

  async revokeKey(id: string, now: Date): Promise<boolean> {
    return this.run((o) => o.sql.revokeKey.run(now.getTime(), id).changes > 0);
  }

  async touchKey(id: string, now: Date): Promise<void> {
    this.run((o) => o.sql.touchKey.run(now.getTime(), id));
  }

  async countKeys(): Promise<number> {
    return this.run((o) => o.sql.countKeys.get()!.n);
  }

  async stats(): Promise<StoreStats> {
    return this.run((o) => {
      const files = o.sql.fileStats.get()!;
      const blobs = o.sql.blobStats.get()!;
      return {
        files: files.files,
        hosts: files.hosts,
        objects: files.objects,
        blobs: blobs.blobs,
        stored_bytes: blobs.stored,
        logical_bytes: files.logical,
      };
    });
  }

  async referencedWithin(digests: Sha256[], tenants: Tenants): Promise<Set<Sha256>> {
    return this.run(() => this.tenants!.referencedWithin(digests, tenants));
  }

  async proveContent(sha256: Sha256, tenants: Tenants, now: Date): Promise<void> {
    this.run(() => this.tenants!.proveContent(sha256, tenants, now));
  }

  async provenWithin(digests: Sha256[], tenants: Tenants): Promise<Set<Sha256>> {
    return this.run(() => this.tenants!.provenWithin(digests, tenants));
  }

  async statsWithin(tenants: Tenants): Promise<TenantStats> {
    return this.run(() => this.tenants!.statsWithin(tenants));
  }

  async createJob(job: NewJob, now: Date): Promise<JobRecord> {
    return this.run((o) => o.jobs.create(job, now));
  }

  async getJob(id: string): Promise<JobRecord | null> {
    return this.run((o) => o.jobs.get(id));
  }

  async listJobs(query: JobQuery): Promise<JobPage> {
    return this.run((o) => o.jobs.list(query));
  }

  async claimJob(claim: JobClaim): Promise<JobRecord | null> {
    return this.run((o) => o.jobs.claim(claim));
  }

  async renewLease(id: string, owner: string, now: Date, leaseMs: number): Promise<JobRecord | null> {
    return this.run((o) => o.jobs.renew(id, owner, now, leaseMs));
  }

  async updateJob(id: string, owner: string, update: JobUpdate): Promise<boolean> {
    return this.run((o) => o.jobs.update(id, owner, update));
  }

  async finishJob(id: string, owner: string, end: JobEnd, update?: JobUpdate): Promise<boolean> {
    return this.run((o) => o.jobs.finish(id, owner, end, update));
  }

  async releaseJob(id: string, owner: string, update?: JobUpdate): Promise<boolean> {
    return this.run((o) => o.jobs.release(id, owner, update));
  }

  async cancelJob(id: string, now: Date): Promise<{ job: JobRecord; wasFinal: boolean } | null> {
    return this.run((o) => o.jobs.cancel(id, now));
  }

  async getRetentionRules(): Promise<RetentionRule[]> {
    return this.run((o) => o.pruning.getRules());
  }

  async setRetentionRules(rules: RetentionRule[]): Promise<void> {
    this.run((o) => o.pruning.setRules(rules));
  }

  async countVersions(): Promise<number> {
    return this.run((o) => o.pruning.countVersions());
  }

  async pathVersions(after: PathKey | null, limit: number): Promise<PathVersions[]> {
    return this.run((o) => o.pruning.pathVersions(after, limit));
  }

  async removeVersions(ids: string[]): Promise<string[]> {
    return this.run((o) => o.pruning.removeVersions(ids));
  }

  async forgetDeletedPath(path: PathKey, deletedAt: Date): Promise<number> {
    return this.run((o) => o.pruning.forgetDeletedPath(path, deletedAt));
  }

  async createScanRun(run: NewScanRun, now: Date): Promise<ScanRunRecord> {
    return this.run((o) => o.scanRuns.create(run, now));
  }

  async getScanRun(id: string): Promise<ScanRunRecord | null> {
    return this.run((o) => o.scanRuns.get(id));
  }

  async listScanRuns(query: ScanRunQuery): Promise<ScanRunPage> {
    return this.run((o) => o.scanRuns.list(query));
  }

  async updateScanRun(id: string, update: ScanRunUpdate, now: Date): Promise<ScanRunRecord | null> {
    return this.run((o) => o.scanRuns.update(id, update, now));
  }

  async interruptSilentScanRuns(silentSince: Date, now: Date): Promise<number> {
    return this.run((o) => o.scanRuns.interrupt(silentSince, now));
  }

  async listHosts(): Promise<HostRecord[]> {
    return this.run((o) => o.scanRuns.hosts());
  }

  async countScanRuns(): Promise<Partial<Record<ScanRunState, number>>> {
    return this.run((o) => o.scanRuns.countByState());
  }

  registryPage(after: string, limit: number): Promise<CollectableEntry[]> {
    return this.collect((c) => c.registryPage(after, limit));
  }

  held(sha256s: Sha256[], claimsSince: Date): Promise<Set<Sha256>> {
    return this.collect((c) => c.held(sha256s, claimsSince));
  }

  condemn(sha256s: Sha256[], token: string, now: Date): Promise<Sha256[]> {
    return this.collect((c) => c.condemn(sha256s, token, now));
  }

  revert(sha256s: Sha256[], token: string): Promise<void> {
    return this.collect((c) => c.revert(sha256s, token));
  }

  markRemoving(sha256s: Sha256[], token: string, now: Date, takeOverBefore: Date): Promise<Sha256[]> {
    return this.collect((c) => c.markRemoving(sha256s, token, now, takeOverBefore));
  }

  finishRemoval(sha256s: Sha256[], token: string): Promise<number> {
    return this.collect((c) => c.finishRemoval(sha256s, token));
  }

  unregistered(sha256s: Sha256[]): Promise<Sha256[]> {
    return this.collect((c) => c.unregistered(sha256s));
  }

  adopt(blobs: Array<{ sha256: Sha256; size: number }>, now: Date): Promise<Sha256[]> {
    return this.collect((c) => c.adopt(blobs, now));
  }

  touchReferenced(sha256s: Sha256[], now: Date): Promise<Map<Sha256, BlobEntry>> {
    return this.collect((c) => c.touchReferenced(sha256s, now));
  }

  claimUpload(sha256: Sha256, now: Date, claim?: string): Promise<UploadClaim> {
    return this.collect((c) => c.claimUpload(sha256, now, claim));
  }

  releaseClaim(claim: string): Promise<void> {
    return this.collect((c) => c.releaseClaim(claim));
  }

  contentTotals(): Promise<ContentTotals> {
    return this.collect((c) => c.contentTotals());
  }

  /**
   * An audit batch is one transaction (the caller groups one turn's entries). Its targets are indexed on the next turn:
   * the answers waiting for these entries go out first, and a client reading one works while the index is written.
   */
  async appendAuditEntries(entries: AuditEntry[]): Promise<void> {
    this.audited((a) => a.append(entries));
    if (this.audit!.pendingTargets >= AUDIT_INDEX_AT_ONCE) this.indexAudit();
    else if (!this.auditIndexing) {
      this.auditIndexing = setImmediate(() => {
        this.auditIndexing = undefined;
        this.indexAudit();
      });
    }
  }

  /**
   * Writes the audit targets waiting for the index. A failure leaves them waiting: the next append, a filtered read,
   * a prune, the close, or the next open writes them.
   */
  private indexAudit(): void {
    try {
      this.audit?.indexPending();
    } catch {
      // still waiting; see above
    }
  }

  async listAuditEntries(query: AuditQuery): Promise<AuditPage> {
    return this.audited((a) => a.list(query));
  }

  streamAuditEntries(filter: AuditFilter, pageSize?: number): AsyncIterable<AuditEntry> {
    return streamAuditPages((query) => this.listAuditEntries(query), filter, pageSize);
  }

  async auditChains(): Promise<AuditChainState[]> {
    return this.audited((a) => a.chains());
  }

  async auditChainEntries(chain: string, afterSeq: number, limit: number): Promise<AuditEntry[]> {
    return this.audited((a) => a.chainEntries(chain, afterSeq, limit));
  }

  async pruneAuditEntries(before: Date): Promise<number> {
    return this.audited((a) => a.prune(before));
  }

  /** Runs an audit log call on the open database, mapping failures as `run` does. */
  private audited<T>(fn: (audit: SqliteAuditLog) => T): T {
    return this.run(() => fn(this.audit!));
  }

  /** Runs a ContentCollector call on the open database, mapping failures as `run` does. */
  private async collect<T>(fn: (collector: SqliteContentCollector) => Promise<T>): Promise<T> {
    const collector = this.collector;
    if (!collector) throw new HoardError('unavailable', 'metadata store is not open');
    try {
      return await fn(collector);
    } catch (error) {
      return mapSqliteError(error);
    }
  }

  /** Runs `fn` on the open database, mapping database failures to `HoardError('unavailable')`. */
  private run<T>(fn: (open: OpenSqlite) => T): T {
    const open = this.open;
    if (!open) throw new HoardError('unavailable', 'metadata store is not open');
    try {
      return fn(open);
    } catch (error) {
      return mapSqliteError(error);
    }
  }
}

function mapRow(row: FileRow | undefined): StoredFile | null {
  return row ? toStoredFile(row) : null;
}
