import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mkdir, open, readdir, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { HoardError } from '@app/contracts';
import type { PackAppender, PackFiles, PackFileStat } from '../packs/pack-files';
import { storeUnavailable } from '../shared/store-errors';
import { isS3NotFound, s3Failure, s3Status } from './s3-errors';
import { S3PackAppender } from './s3-pack-appender';

const ID_RE = /^([0-9a-f]{2})\/([0-9a-f]{32})$/;
const STAGED_RE = /^[0-9a-f]{32}\.pack$/;
const STAGING_GRACE_MS = 3600_000;

export interface S3PackFilesOptions {
  client: S3Client;
  bucket: string;
  /** The store's key prefix; packs live under `<prefix>packs/`. */
  prefix: string;
  /** A staged pack larger than this goes up as a multipart upload in parts of this size (at least 5 MiB). */
  partSize: number;
  /** Parts uploaded in parallel. */
  queueSize: number;
  /** Where packs are staged before their upload (default `<os temp dir>/hoard-packs`). */
  stagingDir?: string;
  /** Staging files older than this are left over by a killed process, and removed (default 1 hour). */
  stagingGraceMs?: number;
}

/**
 * Packs as objects `<prefix>packs/<id[0:2]>/<id>`. An object cannot be appended to, so a pack is staged in a local
 * file and uploaded whole by its first datasync, which seals it (`sealsOnSync`): an object exists only complete.
 * Reads are ranged GetObjects.
 */
export class S3PackFiles implements PackFiles {
  readonly sealsOnSync = true;
  private readonly stagingDir: string;
  private swept?: Promise<void>;

  constructor(private readonly options: S3PackFilesOptions) {
    this.stagingDir = options.stagingDir ?? join(tmpdir(), 'hoard-packs');
  }

  /**
   * Opens the pack's staging file; the object is created by the appender's datasync. The first call also removes the
   * staging files a killed process left behind (a live one's lives for one flush, far shorter than the grace).
   */
  async create(id: string): Promise<PackAppender> {
    const path = join(this.stagingDir, `${id}.pack`);
    try {
      this.swept ??= mkdir(this.stagingDir, { recursive: true, mode: 0o700 }).then(() => this.sweepStaging());
      await this.swept;
      const handle = await open(path, 'wx+', 0o600);
      const { client, bucket, partSize, queueSize } = this.options;
      return new S3PackAppender(id, { path, handle }, { client, bucket, key: this.key(id), partSize, queueSize });
    } catch (error) {
      throw storeUnavailable('stage a pack', error);
    }
  }

  async read(id: string, offset: number, length: number): Promise<Readable> {
    if (length === 0) return Readable.from([]);
    return this.get(id, offset, length).catch((error: unknown) => {
      throw s3Failure('read a pack', error);
    });
  }

  /** Short when the object ends before `offset + length` (the caller takes that for damage). */
  async readBytes(id: string, offset: number, length: number): Promise<Buffer> {
    if (length === 0) return Buffer.alloc(0);
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of await this.get(id, offset, length)) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    } catch (error) {
      if (s3Status(error) === 416) return Buffer.alloc(0);
      throw s3Failure('read a pack', error);
    }
  }

  async list(): Promise<PackFileStat[]> {
    const under = `${this.options.prefix}packs/`;
    const found: PackFileStat[] = [];
    let token: string | undefined;
    do {
      const page = await this.options.client
        .send(new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: under, ContinuationToken: token }))
        .catch((error: unknown) => {
          throw s3Failure('list packs', error);
        });
      for (const object of page.Contents ?? []) {
        const match = ID_RE.exec(object.Key?.slice(under.length) ?? '');
        if (!match || !match[2].startsWith(match[1])) continue;
        found.push({ id: match[2], size: object.Size ?? 0, modifiedAt: object.LastModified?.getTime() ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found;
  }

  /**
   * Nothing to do: an S3 pack is uploaded once, by the flush that commits all of it, so no object ever holds bytes
   * past its committed end (recovery never asks), and any that did would be read by no entry.
   */
  async truncate(): Promise<void> {}

  async remove(id: string): Promise<boolean> {
    const { client, bucket } = this.options;
    try {
      await client.send(new HeadObjectCommand({ Bucket: bucket, Key: this.key(id) }));
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: this.key(id) }));
      return true;
    } catch (error) {
      if (isS3NotFound(error)) return false;
      throw s3Failure('remove a pack', error);
    }
  }

  /** A ranged GetObject; S3's 416 (the range starts past the end) is thrown as it came. */
  private async get(id: string, offset: number, length: number): Promise<Readable> {
    const Range = `bytes=${offset}-${offset + length - 1}`;
    try {
      const got = await this.options.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.key(id), Range }));
      return got.Body as Readable;
    } catch (error) {
      if (isS3NotFound(error)) throw new HoardError('not_found', `no pack ${id}`, { details: { pack: id } });
      if (s3Status(error) === 416) throw error;
      throw s3Failure('read a pack', error);
    }
  }

  private async sweepStaging(): Promise<void> {
    const oldest = Date.now() - (this.options.stagingGraceMs ?? STAGING_GRACE_MS);
    for (const name of await readdir(this.stagingDir)) {
      if (!STAGED_RE.test(name)) continue;
      const path = join(this.stagingDir, name);
      const modified = await stat(path).then(
        (found) => found.mtimeMs,
        () => Number.POSITIVE_INFINITY,
      );
      if (modified <= oldest) await unlink(path).catch(() => undefined);
    }
  }

  private key(id: string): string {
    return `${this.options.prefix}packs/${id.slice(0, 2)}/${id}`;
  }
}
