import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { bucketProblem, EMPTY_SHA256, HoardError, LIMITS, objectMetadataProblem, ObjectInfo, Page, type Sha256 } from '@app/contracts';
import { FILE_RECORD_STORE, FileRecordStore, OBJECT_RECORD_STORE, ObjectRecordStore, StoredFile } from '@app/metadata';
import type { ByteRange } from '@app/storage';
import type { Readable } from 'node:stream';
import { TenantScope } from '../auth/tenant-scope';
import { BlobsService, ServableBlob } from '../blobs/blobs.service';
import { ContentIntakeService } from '../blobs/content-intake.service';
import { ServerSettings } from '../config/server-settings';
import { toObjectInfo } from '../content/object-view';
import { optionError, PutObjectOptions } from './object-options';
import { checkName, isExpired, lifetime, notFound } from './object-rules';

/** Expired versions marked deleted per statement of a sweep. */
const SWEEP_BATCH = 1000;

/** An object version that may be served: what it is, its content, and what a complete download of it must do. */
export interface ObjectRead {
  object: ObjectInfo;
  blob: ServableBlob;
  /** Opens its content, whole (verified as it streams) or a range. */
  open(range?: ByteRange): Promise<Readable>;
  /**
   * To be called once a whole-content `GET` has been sent completely: deletes a delete-after-download version (the
   * first such download wins; a concurrent one that began before still streams to its end).
   */
  downloaded(): Promise<void>;
}

/** The query of a bucket's listing. */
export interface ObjectListQuery {
  prefix?: string;
  key?: string;
  versions?: boolean;
  limit?: number;
  cursor?: string;
}

/**
 * The rules of objects: content by name (`{bucket}/{key}`), versioned, stored once by digest through the same
 * verified path as every other content, kept as records of the `bucket` namespace beside hosts' files, with
 * lifetimes (an expiry; delete after the first complete download). An object that never existed is `404`; one
 * deleted or expired is `410`. Expired objects are marked deleted by a periodic sweep of each instance (setting
 * `objectSweepSeconds`), so that the lifecycle's pruning and GC release them.
 */
@Injectable()
export class ObjectsService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Objects');
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<number> | null = null;

  constructor(
    @Inject(FILE_RECORD_STORE) private readonly records: FileRecordStore,
    @Inject(OBJECT_RECORD_STORE) private readonly objects: ObjectRecordStore,
    private readonly blobs: BlobsService,
    private readonly intake: ContentIntakeService,
    private readonly settings: ServerSettings,
  ) {}

  /** Starts the sweep of expired objects, unless the setting turns it off. */
  onModuleInit(): void {
    const seconds = this.settings.objectSweepSeconds;
    if (seconds <= 0) return;
    this.timer = setInterval(
      () => void this.sweepExpired().catch((error: unknown) => this.logger.error(`sweep failed: ${String(error)}`)),
      seconds * 1000,
    );
    this.timer.unref();
  }

  /** Stops the sweep and waits for one under way. */
  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sweeping?.catch(() => undefined);
  }

  /**
   * Stores `body` as the next version of `bucket`/`key`: names and options are checked before a byte is read, the
   * content is hashed as it streams and stored once (see ContentIntakeService), then the version is recorded.
   * @throws HoardError validation_failed (bad name or option), invalid_digest, digest_mismatch (nothing stored),
   *   payload_too_large, gone (the content was taken down), insufficient_storage, unavailable (garbage collection
   *   removed the content before its version could be recorded: send it again), forbidden (a bucket outside the
   *   key's tenants)
   */
  async put(
    bucket: string,
    key: string,
    body: Readable,
    options: PutObjectOptions = {},
    scope: TenantScope = TenantScope.ALL,
  ): Promise<ObjectInfo> {
    let expiresAt: (storedAt: Date) => Date | null;
    try {
      checkName(bucket, key);
      scope.checkWrite('bucket', bucket);
      expiresAt = lifetime(options, new Date());
      const metadataProblem = objectMetadataProblem(options.metadata ?? {});
      if (metadataProblem) throw optionError('X-Hoard-Meta-*', metadataProblem);
    } catch (error) {
      body.resume();
      throw error;
    }
    const content = await this.intake.store(body, {
      sha256: options.sha256,
      contentLength: options.contentLength,
      clientGone: options.clientGone,
      scope,
      adoptFile: options.adoptFile,
    });
    // Held against garbage collection from here until the version that references it is recorded; GC may have
    // removed it since it was stored only with a grace of 0 (the client then sends it again).
    const hold = await this.blobs.hold(content.sha256 as Sha256);
    try {
      if (!hold.entry && content.sha256 !== EMPTY_SHA256) {
        throw new HoardError('unavailable', `Garbage collection removed content ${content.sha256} as it was stored; send it again`, {
          details: { sha256: content.sha256 },
        });
      }
      return await this.recordVersion(bucket, key, content, options, expiresAt);
    } finally {
      hold.release();
    }
  }

  private async recordVersion(
    bucket: string,
    key: string,
    content: { sha256: string; size: number },
    options: PutObjectOptions,
    expiresAt: (storedAt: Date) => Date | null,
  ): Promise<ObjectInfo> {
    const now = new Date();
    const [recorded] = await this.records.recordFiles(
      [
        {
          namespace: 'bucket',
          hostname: bucket,
          filepath: key,
          sha256: content.sha256 as Sha256,
          size: content.size,
          object: {
            content_type: options.contentType ?? 'application/octet-stream',
            metadata: options.metadata ?? {},
            expires_at: expiresAt(now),
            delete_after_download: options.deleteAfterDownload ?? false,
          },
        },
      ],
      now,
    );
    return toObjectInfo(recorded.file);
  }

  /**
   * The current version of an object (or version `version`) for a `GET`.
   * @throws HoardError validation_failed, not_found (never existed, or its content is not stored), gone (deleted,
   *   expired, or its content taken down); not_found for a bucket outside the key's tenants
   */
  async read(bucket: string, key: string, version?: number, scope: TenantScope = TenantScope.ALL): Promise<ObjectRead> {
    scope.checkRead('bucket', bucket, () => notFound(bucket, key, version));
    const stored = await this.servable(bucket, key, version);
    const blob = await this.blobs.resolve(stored.sha256);
    return this.reading(stored, blob);
  }

  /** As {@link read}, for a `HEAD`: the stored copy's presence and size are checked too. */
  async head(
    bucket: string,
    key: string,
    version?: number,
    scope: TenantScope = TenantScope.ALL,
  ): Promise<{ object: ObjectInfo; blob: ServableBlob }> {
    scope.checkRead('bucket', bucket, () => notFound(bucket, key, version));
    const stored = await this.servable(bucket, key, version);
    return { object: toObjectInfo(stored), blob: await this.blobs.resolveStored(stored.sha256) };
  }

  /**
   * A bucket's current objects under a plain string prefix, in a stable order, a page at a time; or with `key`, that
   * object only; or with `key` and `versions`, every version of it, newest first (deleted and expired ones included).
   * A bucket outside the key's tenants lists as an empty one.
   * @throws HoardError validation_failed (bad bucket or key, `versions` without `key`, a cursor the server did not make)
   */
  async list(bucket: string, query: ObjectListQuery, scope: TenantScope = TenantScope.ALL): Promise<Page<ObjectInfo>> {
    const problem = bucketProblem(bucket);
    if (problem) throw optionError('bucket', problem);
    if (!scope.sees('bucket', bucket)) return { items: [], next_cursor: null };
    if (query.versions && query.key === undefined) throw optionError('versions', 'needs key: the versions of which object');
    if (query.key !== undefined) {
      checkName(bucket, query.key, 'key');
      if (query.versions)
        return { items: (await this.records.fileHistory(bucket, query.key, 'bucket')).map(toObjectInfo), next_cursor: null };
      const current = await this.records.currentFile(bucket, query.key, 'bucket');
      return { items: current && !isExpired(current, new Date()) ? [toObjectInfo(current)] : [], next_cursor: null };
    }
    const page = await this.records
      .listFiles({
        namespace: 'bucket',
        hostname: bucket,
        pathPrefix: query.prefix,
        includeDeleted: false,
        now: new Date(),
        limit: query.limit ?? LIMITS.listLimitDefault,
        cursor: query.cursor,
      })
      .catch((error: unknown) => {
        // The store calls a bad cursor a bad request; to a client it is a query field that failed validation.
        if (!(error instanceof HoardError) || error.code !== 'invalid_request' || query.cursor === undefined) throw error;
        throw optionError('cursor', error.message);
      });
    return { items: page.items.map(toObjectInfo), next_cursor: page.nextCursor };
  }

  /**
   * Marks the current version of an object deleted (deleting a deleted or expired one again changes nothing).
   * @throws HoardError validation_failed, not_found (it never existed), forbidden (a bucket outside the key's tenants)
   */
  async delete(bucket: string, key: string, scope: TenantScope = TenantScope.ALL): Promise<void> {
    checkName(bucket, key);
    scope.checkWrite('bucket', bucket);
    if ((await this.records.markPathsDeleted(bucket, [key], new Date(), 'bucket')) > 0) return;
    if (!(await this.objects.objectVersion(bucket, key))) throw notFound(bucket, key);
  }

  /**
   * Marks every current object of a bucket whose key starts with `prefix` (not empty) deleted; returns how many.
   * @throws HoardError validation_failed, forbidden (a bucket outside the key's tenants)
   */
  async deleteByPrefix(bucket: string, prefix: string, scope: TenantScope = TenantScope.ALL): Promise<number> {
    const problem = bucketProblem(bucket);
    if (problem) throw optionError('bucket', problem);
    scope.checkWrite('bucket', bucket);
    if (prefix === '') throw optionError('prefix', 'must not be empty: name what to delete');
    return this.records.markPrefixDeleted(bucket, prefix, new Date(), 'bucket');
  }

  /** Marks every object version whose lifetime ran out deleted, a batch at a time; returns how many. One at a time. */
  async sweepExpired(): Promise<number> {
    if (this.sweeping) return this.sweeping;
    this.sweeping = (async () => {
      let total = 0;
      for (;;) {
        const marked = await this.objects.markExpiredDeleted(new Date(), SWEEP_BATCH);
        total += marked;
        if (marked < SWEEP_BATCH) break;
      }
      if (total > 0) this.logger.log(`marked ${total} expired object version(s) deleted`);
      return total;
    })();
    try {
      return await this.sweeping;
    } finally {
      this.sweeping = null;
    }
  }

  /** The version to serve. @throws HoardError validation_failed, not_found, gone */
  private async servable(bucket: string, key: string, version?: number): Promise<StoredFile> {
    checkName(bucket, key);
    const stored = await this.objects.objectVersion(bucket, key, version);
    if (!stored) throw notFound(bucket, key, version);
    const name = `${bucket}/${key}${version === undefined ? '' : ` (version ${version})`}`;
    if (stored.deleted_at)
      throw new HoardError('gone', `Object ${name} was deleted`, { details: { bucket, key, version: stored.version } });
    if (isExpired(stored, new Date())) {
      throw new HoardError('gone', `Object ${name} expired`, { details: { bucket, key, version: stored.version } });
    }
    return stored;
  }

  private reading(stored: StoredFile, blob: ServableBlob): ObjectRead {
    const once = stored.object?.delete_after_download === true;
    return {
      object: toObjectInfo(stored),
      blob,
      open: (range) => this.blobs.open(blob, range),
      downloaded: async () => {
        if (once) await this.objects.deleteVersionOnce(stored.id, new Date());
      },
    };
  }
}
