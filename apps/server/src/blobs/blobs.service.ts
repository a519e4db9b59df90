import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clones, HoardError, PutBlobResponse, type Sha256 } from '@app/contracts';
import {
  BLOB_REGISTRY,
  BlobEntry,
  BlobRegistry,
  CONTENT_COLLECTOR,
  ContentCollector,
  contentState,
  FILE_RECORD_STORE,
  FileRecordStore,
  needsUpload,
  UPLOAD_CLAIM_REFRESH_MS,
  UploadClaim,
} from '@app/metadata';
import { BLOB_STORE, BlobStore, ByteRange, type PutBatch, verifyBody } from '@app/storage';
import { Readable } from 'node:stream';
import { TenantScope } from '../auth/tenant-scope';
import { heldBody } from '../common/detached-body';
import { ServerSettings } from '../config/server-settings';
import { FileRecordsMapper } from '../content/file-records.mapper';
import { toObjectInfo } from '../content/object-view';
import { TenantGate } from '../content/tenant-gate';
import { MetricsService } from '../metrics/metrics.service';
import { QuarantineService } from './quarantine.service';
import { ReadProblem, verifiedRead } from './verified-read';

/** A blob that may be served: its size is known and it is available. */
export interface ServableBlob {
  sha256: Sha256;
  size: number;
}

const gone = (sha256: string) => new HoardError('gone', `Content ${sha256} was taken down`, { details: { sha256 } });
const notFound = (sha256: string) => new HoardError('not_found', `No content with digest ${sha256}`, { details: { sha256 } });
const collected = (sha256: string) =>
  new HoardError('unavailable', `Garbage collection is removing content ${sha256}; send it again shortly`, { details: { sha256 } });

/** How long an upload waits for garbage collection to let go of its digest before it gives up (503). */
const MARK_WAIT_MS = 10_000;

/** The rules of content by digest: verified uploads, presence, verified downloads, quarantines, takedowns. */
@Injectable()
export class BlobsService {
  private readonly logger = new Logger('Blobs');

  constructor(
    @Inject(BLOB_STORE) private readonly store: BlobStore,
    @Inject(BLOB_REGISTRY) private readonly registry: BlobRegistry,
    @Inject(FILE_RECORD_STORE) private readonly records: FileRecordStore,
    @Inject(CONTENT_COLLECTOR) private readonly collector: ContentCollector,
    private readonly settings: ServerSettings,
    private readonly mapper: FileRecordsMapper,
    private readonly metrics: MetricsService,
    private readonly quarantine: QuarantineService,
    private readonly gate: TenantGate,
  ) {}

  /**
   * Streams an upload into the blob store; it is registered (and so becomes present, healing a quarantine) only once
   * verified. Content taken down is refused before any byte is read; a stored copy of the wrong size is quarantined
   * first, so that this upload replaces it.
   *
   * Garbage collection may be removing the same digest. The upload claims it FIRST, then reads GC's mark (see
   * ContentCollector): unmarked, no removal can begin until the claim is released (GC heeds fresh claims), so bytes
   * found already stored stay; marked, it waits until GC reverts or finishes (then the content is stored or absent,
   * never half-removed). The claim is kept fresh while the body arrives and released at the end. So an upload that
   * succeeds leaves its content stored and registered, never registered over bytes GC deleted.
   * @param contentLength the declared length, when the client sent one
   * @param clientGone whether the client went away before sending its whole body: an upload cut that way is counted
   *   as `aborted`, not as a bad request
   * @param scope the key's tenants: a limited key's verified upload is noted as held by them (TenantGate.prove); when
   *   the tenant dedup scope hides the content from it, the upload is taken as one of new content (`created`), its
   *   body verified in full whatever is stored, and a takedown is answered only after the body was verified
   * @param adoptFile a file of this host holding exactly the body, hashed by the caller from its bytes: a local store
   *   may link it in instead of copying the body (see PutOptions.adoptFile)
   * @param batch the request's batch of puts this one belongs to (a pack upload's parts: see PutOptions.batch)
   * @throws HoardError gone (taken down), payload_too_large, digest_mismatch, insufficient_storage, unavailable (GC
   *   held the digest too long), …
   */
  async put(
    sha256: Sha256,
    body: Readable,
    contentLength?: number,
    clientGone: () => boolean = () => false,
    scope: TenantScope = TenantScope.ALL,
    adoptFile?: string,
    batch?: PutBatch,
  ): Promise<PutBlobResponse> {
    const maxBytes = this.settings.maxBlobBytes;
    if (contentLength !== undefined && contentLength > maxBytes) {
      body.resume();
      throw new HoardError('payload_too_large', `the body is larger than the limit of ${maxBytes} bytes`, { details: { maxBytes } });
    }
    // Not read before the claim decides (a takedown refuses it unread), but heard: it may fail or be cut meanwhile.
    const handOver = heldBody(body);
    const known = await this.gate.known(scope, [sha256]);
    const hidden = known !== null && !known.has(sha256);
    const claim = await this.claim(sha256);
    try {
      const entry = claim.entry ?? undefined;
      if (entry?.deleted_at) {
        // To a key that may not learn of the content, a takedown is said only once it has shown the content whole.
        if (hidden) await verifyBody(sha256, handOver(), { maxBytes, expectedSize: contentLength });
        throw gone(sha256);
      }
      if (entry && !entry.quarantined_at) await this.checkStoredSize(sha256, entry.size);
      const refresh = setInterval(() => {
        this.collector
          .claimUpload(sha256, new Date(), claim.id)
          .catch((err: unknown) => this.logger.warn(`the upload claim of ${sha256} could not be refreshed: ${String(err)}`));
      }, UPLOAD_CLAIM_REFRESH_MS);
      refresh.unref();
      let result;
      try {
        result = await this.store.put(sha256, handOver(), {
          maxBytes,
          expectedSize: contentLength,
          unregistered: entry === undefined,
          adoptFile,
          batch,
        });
      } catch (err) {
        const code = err instanceof HoardError ? err.code : 'error';
        this.metrics.blobUploads.inc({ result: code === 'invalid_request' && clientGone() ? 'aborted' : code });
        if (err instanceof HoardError && err.code === 'insufficient_storage') this.logger.error(`blob store full: ${String(err.cause)}`);
        throw err;
      } finally {
        clearInterval(refresh);
      }
      const registered = await this.registry.registerBlob(result.sha256, result.size, new Date());
      if (registered.deleted_at) {
        // Taken down while it arrived: the takedown wins, and its bytes go again.
        await this.store.delete(result.sha256);
        throw gone(sha256);
      }
      this.metrics.blobUploads.inc({ result: result.created ? 'created' : 'existing' });
      if (result.created) this.metrics.blobBytesIn.inc(result.size);
      await this.gate.prove(scope, result.sha256);
      return { sha256: result.sha256, size: result.size, created: result.created || hidden };
    } finally {
      // Not waited for: the content is registered (or the upload failed) whenever it lands; a claim left over only
      // makes GC keep this content for a while.
      void this.collector
        .releaseClaim(claim.id)
        .catch((err: unknown) => this.logger.warn(`the upload claim of ${sha256} could not be released: ${String(err)}`));
    }
  }

  /**
   * Refuses an upload of content taken down before any of its bytes is read (a resumable upload's creation); the
   * verified put checks it again when the bytes are in. Not for a key that may not learn of the content (the put
   * says it once the bytes are verified).
   * @throws HoardError gone
   */
  async checkUploadable(sha256: Sha256, scope: TenantScope = TenantScope.ALL): Promise<void> {
    const known = await this.gate.known(scope, [sha256]);
    if (known !== null && !known.has(sha256)) return;
    if ((await this.entry(sha256))?.deleted_at) throw gone(sha256);
  }

  /**
   * The digests of `digests` that must be uploaded, in request order, once: absent or quarantined, never taken down
   * nor the empty content (see `needsUpload`, where that rule lives); and, to a key the tenant dedup scope hides
   * content from, every digest its tenants do not hold.
   */
  async missing(digests: Sha256[], scope: TenantScope = TenantScope.ALL): Promise<Sha256[]> {
    const unique = [...new Set(digests)];
    const [entries, known] = await Promise.all([this.registry.getBlobs(unique), this.gate.known(scope, unique)]);
    return unique.filter((d) => needsUpload(d, known === null || known.has(d) ? entries.get(d) : undefined));
  }

  /**
   * A blob that can be served, to this key: a limited key reads only content its tenants may read (TenantGate), and
   * is otherwise answered exactly as for content never stored.
   * @throws HoardError not_found (never stored, or quarantined until it is uploaded again) or gone (taken down)
   */
  async resolve(sha256: Sha256, scope: TenantScope = TenantScope.ALL): Promise<ServableBlob> {
    await this.gate.checkReadable(scope, sha256, () => notFound(sha256));
    const entry = await this.entry(sha256);
    const state = contentState(sha256, entry);
    if (state === 'taken_down') throw gone(sha256);
    if (state !== 'available') throw notFound(sha256);
    return { sha256, size: entry?.size ?? 0 };
  }

  /** As {@link resolve}, but also checks the stored copy's presence and size (for HEAD): quarantined otherwise. */
  async resolveStored(sha256: Sha256, scope: TenantScope = TenantScope.ALL): Promise<ServableBlob> {
    const blob = await this.resolve(sha256, scope);
    if (blob.size > 0) await this.checkStoredSize(sha256, blob.size, true);
    return blob;
  }

  /**
   * Opens a resolved blob, whole or an inclusive range. A whole read is verified as it streams (see verifiedRead): if
   * the bytes are not the content's, the stream fails before its end and the content is quarantined. Content whose
   * copy is missing (or too short for a range within its size) is quarantined and answered not_found.
   */
  async open(blob: ServableBlob, range?: ByteRange): Promise<Readable> {
    if (blob.size === 0) return Readable.from([]);
    let stream: Readable;
    try {
      stream = await this.store.read(blob.sha256, range);
    } catch (err) {
      const code = err instanceof HoardError ? err.code : null;
      if (code === 'not_found' || code === 'range_not_satisfiable') {
        await this.readFailed(blob.sha256, code === 'not_found' ? 'missing' : 'truncated', 'the stored copy is missing or too short');
        throw notFound(blob.sha256);
      }
      throw err;
    }
    if (range) return stream;
    return verifiedRead(stream, blob, (problem, detail) =>
      this.readFailed(blob.sha256, problem, detail).catch((err: unknown) =>
        this.logger.error(`content ${blob.sha256} could not be quarantined: ${String(err)}`),
      ),
    );
  }

  /** Takes content down now: later uploads are refused (410) until {@link reinstate}; its records show it unavailable. */
  async delete(sha256: Sha256): Promise<void> {
    const entry = await this.entry(sha256);
    const stored = entry ? null : await this.store.stat(sha256);
    if (!entry && !stored) throw notFound(sha256);
    await this.registry.takeDownBlob(sha256, entry?.size ?? stored!.size, new Date());
    await this.store.delete(sha256);
  }

  /** Lifts a takedown: the content may be uploaded again. @throws HoardError not_found when it was not taken down */
  async reinstate(sha256: Sha256): Promise<void> {
    if (!(await this.registry.reinstateBlob(sha256))) {
      throw new HoardError('not_found', `Content ${sha256} is not taken down`, { details: { sha256 } });
    }
  }

  /**
   * Every current record of this content: hosts' files (`items`, the epoch, the first file of it, first) and the
   * objects that name it (`objects`), each kind in its own shape, so that a bucket never reads as a host. A limited
   * key sees only those under its tenants, and none (`404`) when it may not read the content.
   */
  async clones(sha256: Sha256, scope: TenantScope = TenantScope.ALL): Promise<Clones> {
    await this.gate.checkReadable(scope, sha256, () => notFound(sha256));
    const all = (await this.records.filesWithContent(sha256)).filter((f) => scope.sees(f.namespace, f.hostname));
    if (all.length === 0) await this.resolve(sha256, scope);
    const files = all.filter((f) => f.namespace === 'host');
    return {
      items: await this.mapper.toRecords(files, scope),
      objects: all.filter((f) => f.namespace === 'bucket').map(toObjectInfo),
    };
  }

  /**
   * Holds stored content against garbage collection while a record of it is being written elsewhere (an object's
   * version): claimed as an upload claims it (GC heeds the claim), so it cannot be removed until `release`.
   * @returns the content's entry as it is now (null: GC removed it since it was stored, and it must be sent again)
   * @throws HoardError unavailable when GC held the digest too long
   */
  async hold(sha256: Sha256): Promise<{ entry: BlobEntry | null; release(): void }> {
    const claim = await this.claim(sha256);
    const release = () =>
      void this.collector
        .releaseClaim(claim.id)
        .catch((err: unknown) => this.logger.warn(`the hold on ${sha256} could not be released: ${String(err)}`));
    return { entry: claim.entry, release };
  }

  /** Claims `sha256` for an upload, waiting (a little) while garbage collection holds a mark on it. */
  private async claim(sha256: Sha256): Promise<UploadClaim> {
    const deadline = Date.now() + MARK_WAIT_MS;
    let claim = await this.collector.claimUpload(sha256, new Date());
    for (let pause = 10; claim.marked; pause = Math.min(pause * 2, 500)) {
      if (Date.now() >= deadline) {
        await this.collector.releaseClaim(claim.id);
        throw collected(sha256);
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
      claim = await this.collector.claimUpload(sha256, new Date(), claim.id);
    }
    return claim;
  }

  private async entry(sha256: Sha256): Promise<BlobEntry | undefined> {
    return (await this.registry.getBlobs([sha256])).get(sha256);
  }

  /** Quarantines registered content whose stored copy is missing or not `size` bytes (a 404 when `refuse`). */
  private async checkStoredSize(sha256: Sha256, size: number, refuse = false): Promise<void> {
    const stored = await this.store.stat(sha256);
    if (stored?.size === size) return;
    const what = stored ? `the stored copy holds ${stored.size} bytes, not ${size}` : 'the stored copy is missing';
    await this.quarantine.quarantine(sha256, what);
    if (refuse) throw notFound(sha256);
  }

  private async readFailed(sha256: Sha256, problem: ReadProblem | 'missing', detail: string): Promise<void> {
    this.metrics.corruptReads.inc({ problem });
    this.logger.error(`a full read of content ${sha256} found it ${problem}: ${detail}`);
    await this.quarantine.quarantine(sha256, `read ${problem}: ${detail}`);
  }
}
