import {
  AbortMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
  S3ClientConfig,
} from '@aws-sdk/client-s3';
import { S3Store } from '@tus/s3-store';
import { DataStore, ERRORS, Upload } from '@tus/utils';
import type { Readable } from 'node:stream';
import { checkedUploadId, hasExpired, isUploadId, UPLOAD_EXTENSIONS, UploadStore } from '../uploads/upload-store';
import { isS3NotFound, s3Failure } from './s3-errors';

export interface S3UploadStoreOptions {
  bucket: string;
  /** The blob store's prefix: uploads live under `<prefix>uploads/`. */
  prefix?: string;
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
  credentials?: S3ClientConfig['credentials'];
  /** Bytes per multipart part (at least 5 MiB); default 8 MiB. */
  partSize?: number;
  /** Uploads created longer ago than this expire; 0 never. */
  expiryMs: number;
}

/** tus's S3 store, with a way to release its client. */
class TusS3Store extends S3Store {
  destroy(): void {
    this.client.destroy();
  }
}

/** A tus error (`{status_code, body}`), passed through as tus answers it. */
function isTusError(error: unknown): boolean {
  return typeof (error as { status_code?: unknown } | undefined)?.status_code === 'number';
}

/** Keeps tus's own errors, maps an SDK or network failure to `unavailable`. */
function failure(what: string, error: unknown): unknown {
  return isTusError(error) ? error : s3Failure(what, error);
}

/**
 * Unfinished uploads in S3, one multipart upload each (tus's S3Store): `<prefix>uploads/<id>` (the multipart
 * upload, then the assembled object), `<id>.info` (its metadata, written once at creation) and `<id>.part` (a
 * tail shorter than S3's smallest part). The offset is the parts S3 holds, so any instance continues any upload.
 * Nothing is cached between requests: another instance may have written or removed the upload since.
 */
export class S3UploadStore extends DataStore implements UploadStore {
  readonly kind = 's3';
  private readonly tus: TusS3Store;
  private readonly client: S3Client;
  private readonly bucket: string;
  /** Where the uploads live in the bucket (`<prefix>uploads/`): never a blob's or a pack's key. */
  private readonly root: string;

  constructor(private readonly options: S3UploadStoreOptions) {
    super();
    this.extensions = [...UPLOAD_EXTENSIONS];
    this.bucket = options.bucket;
    this.root = `${options.prefix ?? ''}uploads/`;
    const clientConfig = {
      endpoint: options.endpoint,
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      credentials: options.credentials,
    };
    this.tus = new TusS3Store({
      partSize: options.partSize,
      expirationPeriodInMilliseconds: options.expiryMs,
      // Expiry is swept here (deleteExpired), not by bucket lifecycle rules on tags.
      useTags: false,
      cache: { get: async () => undefined, set: async () => undefined, delete: async () => undefined },
      s3ClientConfig: { bucket: options.bucket, ...clientConfig },
    });
    this.client = new S3Client(clientConfig);
  }

  override async create(upload: Upload): Promise<Upload> {
    const id = checkedUploadId(upload.id);
    try {
      const created = await this.tus.create(new Upload({ ...upload, id: this.key(id) }));
      upload.creation_date = created.creation_date;
      upload.storage = created.storage;
      return upload;
    } catch (error) {
      throw failure('upload create', error);
    }
  }

  override async write(body: Readable, id: string, offset: number): Promise<number> {
    const key = this.key(checkedUploadId(id));
    try {
      return await this.tus.write(body, key, offset);
    } catch (error) {
      throw failure('upload write', error);
    }
  }

  override async getUpload(id: string): Promise<Upload> {
    const key = this.key(checkedUploadId(id));
    try {
      const upload = await this.tus.getUpload(key);
      return new Upload({ ...upload, id });
    } catch (error) {
      throw failure('upload state', error);
    }
  }

  /** Aborts the multipart upload (when it is not complete yet) and removes every object of the upload. */
  override async remove(id: string): Promise<void> {
    const key = this.key(checkedUploadId(id));
    let uploadId: string | undefined;
    try {
      const info = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: `${key}.info` }));
      uploadId = info.Metadata?.['upload-id'];
    } catch (error) {
      if (isS3NotFound(error)) throw ERRORS.FILE_NOT_FOUND;
      throw s3Failure('upload remove', error);
    }
    await this.abort(key, uploadId);
    await this.deleteObjects([key, `${key}.part`, `${key}.info`]);
  }

  async open(id: string): Promise<Readable> {
    const key = this.key(checkedUploadId(id));
    try {
      const got = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return got.Body as Readable;
    } catch (error) {
      if (isS3NotFound(error)) throw ERRORS.FILE_NOT_FOUND;
      throw s3Failure('upload read', error);
    }
  }

  /**
   * Removes the uploads whose metadata was written longer than the expiry ago (aborting their multipart uploads),
   * then what a crash left without metadata once it is as old: objects, and multipart uploads under the uploads'
   * prefix (filtered here: MinIO applies a listing's `Prefix` to whole keys only).
   */
  override async deleteExpired(): Promise<number> {
    const expiryMs = this.options.expiryMs;
    if (expiryMs <= 0) return 0;
    const byId = await this.objectsById();
    let removed = 0;
    for (const [id, objects] of byId) {
      const info = objects.find((o) => o.key.endsWith('.info'));
      const created = info ? info.modified : Math.min(...objects.map((o) => o.modified));
      if (!hasExpired(new Date(created).toISOString(), expiryMs)) continue;
      if (info) {
        await this.remove(id).catch((error: unknown) => {
          if (error !== ERRORS.FILE_NOT_FOUND) throw error;
        });
      } else {
        await this.deleteObjects(objects.map((o) => o.key));
      }
      removed++;
    }
    await this.abortOrphanUploads(expiryMs);
    return removed;
  }

  override getExpiration(): number {
    return this.options.expiryMs;
  }

  async close(): Promise<void> {
    this.tus.destroy();
    this.client.destroy();
  }

  private key(id: string): string {
    return `${this.root}${id}`;
  }

  /** Every object under the uploads' prefix, grouped by upload id. */
  private async objectsById(): Promise<Map<string, Array<{ key: string; modified: number }>>> {
    const byId = new Map<string, Array<{ key: string; modified: number }>>();
    let token: string | undefined;
    do {
      const page = await this.client
        .send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.root, ContinuationToken: token }))
        .catch((error: unknown) => {
          throw s3Failure('upload list', error);
        });
      for (const object of page.Contents ?? []) {
        const id = (object.Key ?? '').slice(this.root.length).replace(/\.(info|part)$/, '');
        if (!object.Key?.startsWith(this.root) || !isUploadId(id)) continue;
        byId.set(id, [...(byId.get(id) ?? []), { key: object.Key, modified: object.LastModified?.getTime() ?? 0 }]);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return byId;
  }

  /** Aborts the multipart uploads under the uploads' prefix started longer than the expiry ago. */
  private async abortOrphanUploads(expiryMs: number): Promise<void> {
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const page = await this.client
        .send(new ListMultipartUploadsCommand({ Bucket: this.bucket, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }))
        .catch((error: unknown) => {
          throw s3Failure('upload list', error);
        });
      for (const upload of page.Uploads ?? []) {
        if (!upload.Key?.startsWith(this.root) || !upload.Initiated) continue;
        if (hasExpired(upload.Initiated.toISOString(), expiryMs)) await this.abort(upload.Key, upload.UploadId);
      }
      if (!page.IsTruncated) return;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
  }

  /** Aborts a multipart upload; one already completed or aborted (by another instance) is no error. */
  private async abort(key: string, uploadId: string | undefined): Promise<void> {
    if (!uploadId) return;
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }));
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name !== 'NoSuchUpload' && !isS3NotFound(error)) throw s3Failure('upload abort', error);
    }
  }

  private async deleteObjects(keys: string[]): Promise<void> {
    try {
      await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }),
      );
    } catch (error) {
      throw s3Failure('upload remove', error);
    }
  }
}
