import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createReadStream } from 'node:fs';
import { FileHandle, unlink } from 'node:fs/promises';
import type { PackAppender } from '../packs/pack-files';
import { s3Failure } from './s3-errors';
import { S3MultipartUpload } from './s3-multipart-upload';
import { writeIfAbsent } from './s3-write-if-absent';

/** Where a staged pack goes: one object `key` in `bucket`, in parts of `partSize` bytes when it is larger. */
export interface StagedPackTarget {
  client: S3Client;
  bucket: string;
  key: string;
  partSize: number;
  queueSize: number;
}

/**
 * A pack on S3, written once. Its writes land in a local staging file (positional, side by side; nothing of the pack
 * is held in memory); its datasync uploads that file as ONE object, write-if-absent, and seals the pack: later writes
 * and syncs fail. Closing removes the staging file, uploaded or not.
 */
export class S3PackAppender implements PackAppender {
  private readonly inFlight = new Set<Promise<void>>();
  private closing?: Promise<void>;
  private sealed = false;

  constructor(
    readonly id: string,
    private readonly staging: { path: string; handle: FileHandle },
    private readonly target: StagedPackTarget,
  ) {}

  write(buffers: Buffer[], position: number): Promise<void> {
    if (this.closing || this.sealed) return Promise.reject(new Error(`pack ${this.id} is ${this.closing ? 'closed' : 'sealed'}`));
    const done: Promise<void> = writeAll(this.staging.handle, buffers, position).finally(() => this.inFlight.delete(done));
    this.inFlight.add(done);
    return done;
  }

  /** Uploads the staged pack (every write that has resolved) and seals it. */
  async datasync(): Promise<void> {
    if (this.closing || this.sealed) throw new Error(`pack ${this.id} is ${this.closing ? 'closed' : 'sealed'}`);
    this.sealed = true;
    const { size } = await this.staging.handle.stat();
    const created = size > this.target.partSize ? await this.uploadInParts(size) : await this.uploadWhole(size);
    // Pack names are random: a taken key is this very upload, answered 412 on a retry after a lost response.
    if (!created && (await this.storedSize()) !== size) {
      throw s3Failure('upload a pack', new Error(`the key of pack ${this.id} holds another object`));
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.inFlight]);
      await this.staging.handle.close().catch(() => undefined);
      await unlink(this.staging.path).catch(() => undefined);
    })();
    return this.closing;
  }

  private uploadWhole(size: number): Promise<boolean> {
    const { client, bucket, key } = this.target;
    return writeIfAbsent(() =>
      client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          // A new stream for each attempt: a conflicting write is retried from the start of the file.
          Body: createReadStream(this.staging.path, { highWaterMark: 1 << 20 }),
          ContentLength: size,
          ContentType: 'application/octet-stream',
          IfNoneMatch: '*',
        }),
      ),
    );
  }

  /** A multipart upload, reading one part at a time from the staging file: at most `queueSize` parts in memory. */
  private async uploadInParts(size: number): Promise<boolean> {
    const { partSize, queueSize } = this.target;
    const upload = new S3MultipartUpload({ ...this.target, inflightBytes: queueSize * partSize });
    try {
      for (let offset = 0; offset < size; offset += partSize) {
        const part = Buffer.allocUnsafe(Math.min(partSize, size - offset));
        await readFully(this.staging.handle, part, offset);
        await upload.add(part);
      }
      return await upload.complete();
    } catch (error) {
      await upload.abort();
      throw s3Failure('upload a pack', error);
    }
  }

  private async storedSize(): Promise<number | undefined> {
    const { client, bucket, key } = this.target;
    try {
      return (await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ContentLength;
    } catch (error) {
      throw s3Failure('check a pack', error);
    }
  }
}

/** Writes every byte of `buffers` at `position`, resuming after short writes. */
async function writeAll(handle: FileHandle, buffers: Buffer[], position: number): Promise<void> {
  const rest = buffers.filter((b) => b.length > 0);
  let at = position;
  while (rest.length > 0) {
    const { bytesWritten } = await handle.writev(rest, at);
    at += bytesWritten;
    let left = bytesWritten;
    while (rest.length > 0 && left >= rest[0].length) left -= rest.shift()!.length;
    if (left > 0) rest[0] = rest[0].subarray(left);
  }
}

async function readFully(handle: FileHandle, into: Buffer, position: number): Promise<void> {
  for (let done = 0; done < into.length;) {
    const { bytesRead } = await handle.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) throw new Error(`the staged pack ended ${into.length - done} bytes early`);
    done += bytesRead;
  }
}
