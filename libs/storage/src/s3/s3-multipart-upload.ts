import {
  AbortMultipartUploadCommand,
  CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { isS3NotFound, s3Failure } from './s3-errors';
import { writeIfAbsent } from './s3-write-if-absent';

/** Where a multipart upload goes and how many parts may be in flight at once. */
export interface MultipartTarget {
  client: S3Client;
  bucket: string;
  key: string;
  queueSize: number;
  /** Bytes in flight at most (beyond a single part): parts larger than usual go up fewer at a time. */
  inflightBytes?: number;
}

/**
 * One multipart upload, created on its first part. Parts go up in parallel, at most `queueSize` at a time and, with
 * `inflightBytes`, no more bytes than that unless a part is alone; nothing is visible under the key until
 * `complete()`, which is called only once the content is verified.
 */
export class S3MultipartUpload {
  private uploadId?: string;
  private nextPartNumber = 1;
  private failure?: unknown;
  /** The creation of the upload, while under way. */
  private creating?: Promise<void>;
  /** Set by complete() and abort(): no part may start after that (its bytes would outlive the upload's end). */
  private closed = false;
  private readonly parts: CompletedPart[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private bytesInFlight = 0;

  constructor(private readonly target: MultipartTarget) {}

  /** True once the upload exists on the server. */
  get started(): boolean {
    return this.uploadId !== undefined;
  }

  /**
   * Starts uploading a part once fewer than `queueSize` are in flight; resolves when it is under way.
   * @throws HoardError `unavailable` once creating the upload or any part failed.
   */
  async add(body: Buffer): Promise<void> {
    this.throwIfFailed();
    if (this.uploadId === undefined) {
      this.creating ??= this.create();
      await this.creating;
    }
    const budget = this.target.inflightBytes ?? Number.POSITIVE_INFINITY;
    while (this.inflight.size >= this.target.queueSize || (this.inflight.size > 0 && this.bytesInFlight + body.length > budget)) {
      await Promise.race(this.inflight);
    }
    this.throwIfFailed();
    // The body failed (or the upload ended) while this part waited for room: it must not go up after the abort.
    if (this.closed) throw new Error('the multipart upload has ended');
    this.bytesInFlight += body.length;
    const task: Promise<void> = this.send(this.nextPartNumber++, body).finally(() => {
      this.inflight.delete(task);
      this.bytesInFlight -= body.length;
    });
    this.inflight.add(task);
  }

  /**
   * Waits for the parts in flight and completes the upload unless the key already exists (`If-None-Match: *`).
   * False, with the upload aborted, when another upload got there first.
   */
  async complete(): Promise<boolean> {
    this.closed = true;
    await this.settle();
    this.throwIfFailed();
    const { client, bucket, key } = this.target;
    const parts = [...this.parts].sort((a, b) => a.PartNumber! - b.PartNumber!);
    const completed = await writeIfAbsent(() =>
      client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: this.uploadId,
          IfNoneMatch: '*',
          MultipartUpload: { Parts: parts },
        }),
      ),
    );
    if (!completed) await this.abort();
    return completed;
  }

  /**
   * Refuses any further part, waits for the creation and the parts in flight, then aborts the upload so that no
   * incomplete upload, and no part of one, is left behind.
   */
  async abort(): Promise<void> {
    this.closed = true;
    await this.creating?.catch(() => undefined);
    await this.settle();
    if (this.uploadId === undefined) return;
    const { client, bucket, key } = this.target;
    const command = new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: this.uploadId });
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        await client.send(command);
        break;
      } catch (error) {
        if (isS3NotFound(error)) break;
        // A leftover is removed later by the store's init (stale uploads); keep the original error.
      }
    }
    this.uploadId = undefined;
  }

  private async create(): Promise<void> {
    const { client, bucket, key } = this.target;
    try {
      const created = await client.send(
        new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: 'application/octet-stream' }),
      );
      this.uploadId = created.UploadId;
    } catch (error) {
      this.failure = error;
      this.throwIfFailed();
    }
  }

  private async send(partNumber: number, body: Buffer): Promise<void> {
    const { client, bucket, key } = this.target;
    try {
      const { ETag } = await client.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: key,
          UploadId: this.uploadId,
          PartNumber: partNumber,
          Body: body,
          ContentLength: body.length,
        }),
      );
      this.parts.push({ PartNumber: partNumber, ETag });
    } catch (error) {
      this.failure ??= error;
    }
  }

  private async settle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all(this.inflight);
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw s3Failure('multipart upload', this.failure);
  }
}
