import { FileHasher } from '@hoard/native';
import { FileConfigstore, FileStore } from '@tus/file-store';
import { ERRORS, type KvStore, Upload } from '@tus/utils';
import { closeSync, constants, createReadStream, fstatSync, mkdirSync, openSync } from 'node:fs';
import { chmod, open, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { pipeline as pipelineAsync } from 'node:stream/promises';
import { HashingFileSink, type NativeFileHasher } from '../local/file-sink';
import { isMissing, readNames, syncData } from '../local/fs-utils';
import { hashPath, RunningDigest } from '../shared/pool-hash';
import { storeUnavailable } from '../shared/store-errors';
import { checkedUploadId, type FinishedFile, hasExpired, isUploadId, UPLOAD_EXTENSIONS, UploadStore } from './upload-store';

export interface LocalUploadStoreOptions {
  /** The directory of the uploads (`<data>/uploads`): one file of bytes and one `.json` of metadata each. */
  directory: string;
  /** Uploads created longer ago than this expire; 0 never. */
  expiryMs: number;
}

/** Running digests kept at most: one per upload in progress (between writes each is a hash state of a few hundred bytes). */
const MAX_RUNNING = 1024;
/** What a write takes from the body before it waits for the disk. */
const WRITE_HIGH_WATER = 1024 * 1024;

/**
 * The metadata of uploads (`<id>.json`, tus's file config store), with those whose length is known kept in memory:
 * theirs never changes, and each PATCH asks for it before its first byte is written. At most MAX_RUNNING are kept.
 */
class KnownUploads implements KvStore<Upload> {
  private readonly known = new Map<string, Upload>();

  constructor(private readonly files: KvStore<Upload>) {}

  async get(id: string): Promise<Upload | undefined> {
    const cached = this.known.get(id);
    if (cached) return cached;
    const upload = await this.files.get(id);
    if (upload) this.remember(id, upload);
    return upload;
  }

  async set(id: string, upload: Upload): Promise<void> {
    this.known.delete(id);
    await this.files.set(id, upload);
    this.remember(id, upload);
  }

  async delete(id: string): Promise<void> {
    this.known.delete(id);
    await this.files.delete(id);
  }

  list(): Promise<string[]> {
    return this.files.list!();
  }

  forget(id: string): void {
    this.known.delete(id);
  }

  private remember(id: string, upload: Upload): void {
    if (upload.size === undefined) return; // a deferred length may still be declared, here or elsewhere
    this.known.set(id, upload);
    if (this.known.size > MAX_RUNNING) this.known.delete(this.known.keys().next().value!);
  }
}

/** The digest of an upload's bytes so far: kept up by the native writer itself, or by a tap on each body. */
type Running = { bytes: number; native: NativeFileHasher } | { bytes: number; tap: RunningDigest };

/**
 * Unfinished uploads as files in one directory (tus's FileStore): an upload's offset is its file's size, so it
 * survives any restart. Each write is flushed to the disk before its offset is acknowledged.
 *
 * With the native helpers, a write whose upload's digest is kept here (its first, and each that follows in order)
 * goes as a stored blob does (`HashingFileSink`): hashed and written on the thread pool, mostly past the page cache,
 * so the disk writes while the body arrives and the flush before the answer finds little left to do. Any other write
 * (a gap, a restart in between, no helpers) is tus's own, flushed the same way, and the digest is then read back at
 * the end.
 */
export class LocalUploadStore extends FileStore implements UploadStore {
  readonly kind = 'local';
  /**
   * The digests of uploads whose bytes all arrived, in order, through this instance since their first byte: kept up
   * as each PATCH is written, so that a finished upload needs no second read. Dropped on any gap, failure or removal
   * (the file is then hashed back at the end); at most MAX_RUNNING are kept.
   */
  private readonly running = new Map<string, Running>();

  private readonly uploads: KnownUploads;

  constructor(options: LocalUploadStoreOptions) {
    const uploads = new KnownUploads(new FileConfigstore(options.directory));
    super({ directory: options.directory, configstore: uploads, expirationPeriodInMilliseconds: options.expiryMs });
    this.uploads = uploads;
    this.extensions = [...UPLOAD_EXTENSIONS];
  }

  override async create(upload: Upload): Promise<Upload> {
    checkedUploadId(upload.id);
    const created = await super.create(upload);
    // Readable by the server's user only, as every other file of the data dir.
    await Promise.all([chmod(this.path(upload.id), 0o600), chmod(`${this.path(upload.id)}.json`, 0o600)]);
    return created;
  }

  override async write(body: Readable, id: string, offset: number): Promise<number> {
    checkedUploadId(id);
    let running = this.running.get(id);
    this.running.delete(id);
    if (running?.bytes !== offset) running = undefined;
    if (FileHasher && (offset === 0 || (running && 'native' in running))) {
      return this.writeNative(body, id, offset, running && 'native' in running ? running.native : undefined);
    }
    let digest = running && 'tap' in running ? running.tap : undefined;
    if (offset === 0) digest = new RunningDigest();
    let source = body;
    if (digest) {
      // Through a pipeline, so that a body cut short fails the write as it would without the tap (its error is the write's).
      const tap = digest.tap();
      pipeline(body, tap, () => undefined);
      source = tap;
    }
    const end = await super.write(source, id, offset);
    if (digest?.bytes === end) this.keep(id, { bytes: end, tap: digest });
    // The offset answered to the client must still hold after a crash of the machine.
    const file = await open(this.path(id), 'r+');
    try {
      await file.datasync();
    } finally {
      await file.close();
    }
    return end;
  }

  /**
   * Appends the body to the upload's file through the native writer, going on with `continued` (the writer of the
   * upload's bytes so far) or a new one at offset 0; flushes; keeps the writer for the next write when every byte
   * went through it. A body that ends early (the client went away: tus ends it) is a write of what arrived.
   */
  private async writeNative(body: Readable, id: string, offset: number, continued?: NativeFileHasher): Promise<number> {
    let fd: number;
    try {
      // Never created here: an upload removed meanwhile is not brought back. Opening an existing file and reading its
      // size are metadata calls that return at once: in place, rather than a turn of the thread pool each, which the
      // hashed writes keep busy (they cost every PATCH about a millisecond there).
      fd = openSync(this.path(id), constants.O_WRONLY | constants.O_APPEND);
    } catch (error) {
      body.destroy();
      throw isMissing(error) ? ERRORS.FILE_NOT_FOUND : error;
    }
    try {
      // The writer writes where the file ends: that must be the offset the client was told.
      if (fstatSync(fd).size !== offset) {
        body.destroy();
        throw ERRORS.FILE_WRITE_ERROR;
      }
      const sink = new HashingFileSink(fd, WRITE_HIGH_WATER, {}, true, continued);
      try {
        await pipelineAsync(body, sink);
      } catch {
        await sink.whenIdle();
        // A failure of the disk is the store's (a full one: 507); one of the body fails the write as tus's own would.
        throw sink.failure ? storeUnavailable('upload write', sink.failure) : ERRORS.FILE_WRITE_ERROR;
      }
      await sink.whenIdle();
      await syncData(fd).catch((error: unknown) => {
        throw storeUnavailable('upload flush', error);
      });
      const end = offset + sink.bytes;
      this.keep(id, { bytes: end, native: sink.nativeHasher! });
      return end;
    } finally {
      closeSync(fd);
    }
  }

  /** Keeps an upload's running digest, dropping the oldest past MAX_RUNNING. */
  private keep(id: string, running: Running): void {
    this.running.set(id, running);
    if (this.running.size > MAX_RUNNING) this.running.delete(this.running.keys().next().value!);
  }

  override async getUpload(id: string): Promise<Upload> {
    return super.getUpload(checkedUploadId(id));
  }

  override async remove(id: string): Promise<void> {
    this.running.delete(id);
    return super.remove(checkedUploadId(id));
  }

  async finishedFile(id: string, size: number): Promise<FinishedFile | undefined> {
    const file = this.path(checkedUploadId(id));
    const running = this.running.get(id);
    this.running.delete(id);
    const hashed =
      running?.bytes === size
        ? { bytes: size, sha256: 'native' in running ? running.native.digest() : await running.tap.digest() }
        : await hashPath(file).catch(() => undefined);
    return hashed?.bytes === size ? { file, sha256: hashed.sha256 } : undefined;
  }

  async open(id: string): Promise<Readable> {
    const path = this.path(checkedUploadId(id));
    return new Promise((resolve, reject) => {
      const stream = createReadStream(path);
      stream.once('open', () => resolve(stream));
      stream.once('error', (error) => reject(isMissing(error) ? ERRORS.FILE_NOT_FOUND : error));
    });
  }

  /**
   * Removes every upload created longer than the expiry ago, finished or not, and the halves a crash left (bytes
   * without metadata, or metadata without bytes) once they are as old.
   */
  override async deleteExpired(): Promise<number> {
    const expiryMs = this.getExpiration();
    if (expiryMs <= 0) return 0;
    const ids = new Set((await readNames(this.directory)).map((name) => name.replace(/\.json$/, '')).filter(isUploadId));
    let removed = 0;
    for (const id of ids) {
      if (!hasExpired(await this.createdAt(id), expiryMs)) continue;
      this.uploads.forget(id);
      this.running.delete(id);
      await rm(this.path(id), { force: true });
      await rm(`${this.path(id)}.json`, { force: true });
      removed++;
    }
    return removed;
  }

  async close(): Promise<void> {}

  /** When an upload was created: its metadata's creation date, or its oldest file's time when that is missing. */
  private async createdAt(id: string): Promise<string | undefined> {
    try {
      const info = JSON.parse(await readFile(`${this.path(id)}.json`, 'utf8')) as { creation_date?: string };
      if (info.creation_date) return info.creation_date;
    } catch {
      // No readable metadata: half an upload; its files' age decides.
    }
    const times = await Promise.all(
      [this.path(id), `${this.path(id)}.json`].map((p) =>
        stat(p).then(
          (s) => s.mtimeMs,
          () => null,
        ),
      ),
    );
    const known = times.filter((t): t is number => t !== null);
    return known.length > 0 ? new Date(Math.min(...known)).toISOString() : undefined;
  }

  private path(id: string): string {
    return join(this.directory, id);
  }
}

// FileStore's constructor creates its directory in a callback that throws where nothing can catch it (a crash of
// the process, even after the store was closed). Its private step is replaced: the directory is made before the
// constructor returns, readable by the server's user only, and a failure is thrown to whoever built the store.
Object.defineProperty(LocalUploadStore.prototype, 'checkOrCreateDirectory', {
  value(this: LocalUploadStore) {
    mkdirSync(this.directory, { recursive: true, mode: 0o700 });
  },
});
