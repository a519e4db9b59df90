import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { HoardError, normalizeSha256, type Sha256 } from '@app/contracts';
import type { BlobStat, BlobStore, ByteRange, ListOptions, PutOptions, PutResult } from '../blob-store';
import { digestParts } from '../shared/digest-path';
import { mapAtMost } from '../shared/each-at-most';
import { blobNotFound } from '../shared/store-errors';
import { PutDriver, verifiedPut } from '../shared/verified-put';
import { isS3NotFound, s3Failure, s3Status } from './s3-errors';
import { S3BucketAdmin } from './s3-bucket-admin';
import { putVerified, VerifiedPutTarget } from './s3-verified-put';
import { copyObject } from './s3-copy-object';
import { S3PackFiles } from './s3-pack-files';

const MIN_PART_SIZE = 5 * 1024 * 1024;
const KEY_RE = /^([0-9a-f]{2})\/([0-9a-f]{64})$/;

export interface S3BlobStoreOptions {
  bucket: string;
  /** Prepended to every key (e.g. `hoard/`); default none. */
  prefix?: string;
  /** For S3-compatible servers (MinIO); default AWS. */
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
  /** Bytes per multipart part, at least 5 MiB; default 8 MiB. Bodies too large for 10,000 such parts get larger ones. */
  partSize?: number;
  /** Parts uploaded in parallel; default 4. */
  queueSize?: number;
  /** Create the bucket in `init()` when it is missing; default false. */
  createBucket?: boolean;
  /** Multipart uploads under the prefix older than this are aborted by `init()`; default 24 h. */
  staleUploadMs?: number;
  /** Explicit credentials; by default the AWS SDK's credential chain. */
  credentials?: S3ClientConfig['credentials'];
  /** Blobs up to this size are quarantined with one server-side copy, larger ones part by part (default 5 GiB). */
  singleCopyMax?: number;
}

/** Objects deleted at once by `deleteMany`. */
const DELETES_AT_ONCE = 16;

/**
 * Blobs as objects `<prefix><sha[0:2]>/<sha>` in an S3 bucket. An upload becomes visible only after its digest
 * matched (a multipart upload is completed, or a small body written, only then) and only with
 * `If-None-Match: *`, so a stored blob is never replaced, even by a concurrent upload from another instance.
 */
export class S3BlobStore implements BlobStore {
  readonly kind = 's3';
  private readonly client: S3Client;
  private readonly prefix: string;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly admin: S3BucketAdmin;

  constructor(private readonly options: S3BlobStoreOptions) {
    this.partSize = options.partSize ?? 8 * 1024 * 1024;
    this.queueSize = options.queueSize ?? 4;
    if (!Number.isSafeInteger(this.partSize) || this.partSize < MIN_PART_SIZE) {
      throw new HoardError('invalid_request', `S3 part size must be at least ${MIN_PART_SIZE} bytes`);
    }
    if (!Number.isSafeInteger(this.queueSize) || this.queueSize < 1) {
      throw new HoardError('invalid_request', 'S3 queue size must be a positive integer');
    }
    this.prefix = options.prefix ?? '';
    this.client = new S3Client({
      endpoint: options.endpoint,
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      credentials: options.credentials,
    });
    this.admin = new S3BucketAdmin(this.client, options.bucket, this.prefix);
  }

  /** Checks the bucket (creating it when `createBucket` says so) and aborts stale multipart uploads. */
  async init(): Promise<void> {
    await this.admin.ensureBucket(this.options.createBucket ?? false);
    await this.admin.abortStaleUploads(this.options.staleUploadMs ?? 24 * 3600_000);
  }

  async put(sha256: Sha256, body: Readable, options: PutOptions = {}): Promise<PutResult> {
    return verifiedPut(this.putDriver, sha256, body, options);
  }

  private readonly putDriver: PutDriver = {
    holds: async (sha) => (await this.stat(sha)) !== null,
    writeNew: (sha, body, options) => {
      const target: VerifiedPutTarget = {
        client: this.client,
        bucket: this.options.bucket,
        key: this.key(sha),
        partSize: this.partSize,
        queueSize: this.queueSize,
      };
      return putVerified(target, sha, body, options);
    },
  };

  async stat(sha256: Sha256): Promise<BlobStat | null> {
    const { sha } = digestParts(sha256);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: this.key(sha) }));
      return { sha256: sha, size: head.ContentLength ?? 0 };
    } catch (error) {
      if (isS3NotFound(error)) return null;
      throw s3Failure('stat', error);
    }
  }

  async read(sha256: Sha256, range?: ByteRange): Promise<Readable> {
    const { sha } = digestParts(sha256);
    const Range = range ? `bytes=${range.start}-${range.end}` : undefined;
    try {
      const command = new GetObjectCommand({ Bucket: this.options.bucket, Key: this.key(sha), Range });
      const got = await this.client.send(command);
      const body = got.Body as Readable;
      if (range && !servedExactly(got.ContentRange, range)) {
        body.destroy();
        throw rangeNotSatisfiable(range);
      }
      return body;
    } catch (error) {
      if (error instanceof HoardError) throw error;
      if (isS3NotFound(error)) throw blobNotFound(sha);
      if (range && s3Status(error) === 416) throw rangeNotSatisfiable(range, error);
      throw s3Failure('read', error);
    }
  }

  async delete(sha256: Sha256): Promise<boolean> {
    const { sha } = digestParts(sha256);
    if (!(await this.stat(sha))) return false;
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.key(sha) }));
      return true;
    } catch (error) {
      throw s3Failure('delete', error);
    }
  }

  /** One `delete` per digest, a few at a time (each must know whether its object existed). */
  deleteMany(sha256s: readonly Sha256[]): Promise<boolean[]> {
    return mapAtMost(sha256s, DELETES_AT_ONCE, (sha256) => this.delete(sha256));
  }

  /** Copies the object to `<prefix>.quarantine/<sha>.<ms since 1970>` on the server side, then removes it. */
  async quarantine(sha256: Sha256): Promise<boolean> {
    const { sha } = digestParts(sha256);
    const found = await this.stat(sha);
    if (!found) return false;
    try {
      await copyObject({
        client: this.client,
        bucket: this.options.bucket,
        from: this.key(sha),
        to: `${this.prefix}.quarantine/${sha}.${Date.now()}`,
        size: found.size,
        partSize: this.partSize,
        singleCopyMax: this.options.singleCopyMax,
      });
      await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.key(sha) }));
      return true;
    } catch (error) {
      if (isS3NotFound(error)) return false;
      throw s3Failure('quarantine', error);
    }
  }

  async *list(options: ListOptions = {}): AsyncIterable<BlobStat> {
    const after = options.after;
    let left = options.limit ?? Number.POSITIVE_INFINITY;
    let token: string | undefined;
    while (left > 0) {
      const page = await this.client
        .send(
          new ListObjectsV2Command({
            Bucket: this.options.bucket,
            Prefix: this.prefix,
            StartAfter: after && !token ? this.key(after) : undefined,
            ContinuationToken: token,
            MaxKeys: Math.min(1000, left),
          }),
        )
        .catch((error: unknown) => {
          throw s3Failure('list', error);
        });
      for (const object of page.Contents ?? []) {
        const match = KEY_RE.exec(object.Key?.slice(this.prefix.length) ?? '');
        if (!match || !match[2].startsWith(match[1]) || (after && match[2] <= after)) continue;
        yield { sha256: normalizeSha256(match[2]), size: object.Size ?? 0 };
        if (--left <= 0) return;
      }
      if (!page.IsTruncated) return;
      token = page.NextContinuationToken;
    }
  }

  /** Pack files in this store's bucket, under its prefix, on its client (closed with the store). */
  packFiles(stagingDir?: string): S3PackFiles {
    const { bucket } = this.options;
    return new S3PackFiles({
      client: this.client,
      bucket,
      prefix: this.prefix,
      partSize: this.partSize,
      queueSize: this.queueSize,
      stagingDir,
    });
  }

  async ping(): Promise<void> {
    await this.admin.ensureBucket(false);
  }

  async freeBytes(): Promise<number | null> {
    return null;
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private key(sha: string): string {
    return `${this.prefix}${sha.slice(0, 2)}/${sha}`;
  }
}

/** S3 serves a range that runs past the end cut short; the port's ranges lie wholly within the blob. */
function servedExactly(contentRange: string | undefined, range: ByteRange): boolean {
  const match = /^bytes (\d+)-(\d+)\//.exec(contentRange ?? '');
  return match !== null && Number(match[1]) === range.start && Number(match[2]) === range.end;
}

function rangeNotSatisfiable(range: ByteRange, cause?: unknown): HoardError {
  return new HoardError('range_not_satisfiable', `range ${range.start}-${range.end} is outside the blob`, {
    details: { start: range.start, end: range.end },
    cause,
  });
}
