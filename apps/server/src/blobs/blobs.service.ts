import { Inject, Injectable, Logger } from '@nestjs/common';
import { EMPTY_SHA256, FileRecord, HoardError, PutBlobResponse } from '@app/contracts';
import { METADATA_STORE, MetadataStore } from '@app/metadata';
import { BLOB_STORE, BlobStore, ByteRange } from '@app/storage';
import { Readable } from 'node:stream';
import { detachedBody } from '../common/detached-body';
import { AppConfig } from '../config/app-config';
import { FileRecordsMapper } from '../files/file-records.mapper';
import { MetricsService } from '../metrics/metrics.service';

/** A blob that may be served: its size is known and it was not taken down. */
export interface ServableBlob {
  sha256: string;
  size: number;
}

/** The rules of content by digest: verified uploads, presence, downloads, takedowns. */
@Injectable()
export class BlobsService {
  private readonly logger = new Logger('Blobs');

  constructor(
    @Inject(BLOB_STORE) private readonly store: BlobStore,
    @Inject(METADATA_STORE) private readonly metadata: MetadataStore,
    private readonly config: AppConfig,
    private readonly mapper: FileRecordsMapper,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * Streams an upload into the blob store; it is registered (and so becomes present) only once verified.
   * @param contentLength the declared length, when the client sent one
   */
  async put(sha256: string, body: Readable, contentLength?: number): Promise<PutBlobResponse> {
    const maxBytes = this.config.HOARD_MAX_BLOB_BYTES;
    if (contentLength !== undefined && contentLength > maxBytes) {
      body.resume();
      throw new HoardError('payload_too_large', `the body is larger than the limit of ${maxBytes} bytes`, {
        details: { maxBytes },
      });
    }
    let result;
    try {
      result = await this.store.put(sha256, detachedBody(body), { maxBytes, expectedSize: contentLength });
    } catch (err) {
      this.metrics.blobUploads.inc({ result: err instanceof HoardError ? err.code : 'error' });
      throw err;
    }
    await this.metadata.registerBlob(result.sha256, result.size, new Date());
    this.metrics.blobUploads.inc({ result: result.created ? 'created' : 'existing' });
    if (result.created) this.metrics.blobBytesIn.inc(result.size);
    return { sha256: result.sha256, size: result.size, created: result.created };
  }

  /** The digests of `digests` the store lacks (or took down), in request order, each once. */
  async missing(digests: string[]): Promise<string[]> {
    const unique = [...new Set(digests.map((d) => d.toLowerCase()))].filter((d) => d !== EMPTY_SHA256);
    const known = await this.metadata.getBlobs(unique);
    return unique.filter((d) => {
      const entry = known.get(d);
      return !entry || entry.deleted_at !== null;
    });
  }

  /**
   * A blob that can be served.
   * @throws HoardError not_found (never stored) or gone (taken down)
   */
  async resolve(sha256: string): Promise<ServableBlob> {
    const entry = (await this.metadata.getBlobs([sha256])).get(sha256);
    if (entry?.deleted_at) throw new HoardError('gone', `Content ${sha256} was deleted`);
    if (entry) return { sha256, size: entry.size };
    if (sha256 === EMPTY_SHA256) return { sha256, size: 0 };
    throw new HoardError('not_found', `No content with digest ${sha256}`);
  }

  /** As {@link resolve}, but also checks that the blob store still has the bytes (for HEAD). */
  async resolveStored(sha256: string): Promise<ServableBlob> {
    const blob = await this.resolve(sha256);
    if (blob.size > 0 && !(await this.store.stat(sha256))) await this.lost(sha256);
    return blob;
  }

  /**
   * Opens a resolved blob, whole or an inclusive range. Content registered but gone from the blob store (removed
   * behind the server's back) is forgotten, so that it is reported missing and the next scan uploads it again.
   */
  async open(blob: ServableBlob, range?: ByteRange): Promise<Readable> {
    if (blob.size === 0) return Readable.from([]);
    try {
      return await this.store.read(blob.sha256, range);
    } catch (err) {
      if (err instanceof HoardError && err.code === 'not_found') await this.lost(blob.sha256);
      throw err;
    }
  }

  private async lost(sha256: string): Promise<never> {
    this.logger.error(`content ${sha256} is registered but missing from the blob store; it is now reported missing`);
    await this.metadata.forgetBlob(sha256);
    throw new HoardError('not_found', `No content with digest ${sha256}`);
  }

  /** Takes content down now; records that pointed to it report content_available: false. */
  async delete(sha256: string): Promise<void> {
    const registered = await this.metadata.markBlobDeleted(sha256, new Date());
    const removed = await this.store.delete(sha256);
    if (!registered && !removed) throw new HoardError('not_found', `No content with digest ${sha256}`);
  }

  /** Every current record of this content; the epoch (first record of it) first. */
  async clones(sha256: string): Promise<FileRecord[]> {
    const files = await this.metadata.filesWithContent(sha256);
    if (files.length === 0) await this.resolve(sha256);
    return this.mapper.toRecords(files);
  }
}
