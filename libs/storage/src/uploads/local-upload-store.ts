import { FileStore } from '@tus/file-store';
import { ERRORS, Upload } from '@tus/utils';
import { createReadStream, mkdirSync } from 'node:fs';
import { chmod, open, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { isMissing, readNames } from '../local/fs-utils';
import { hashPath, RunningDigest } from '../shared/pool-hash';
import { checkedUploadId, type FinishedFile, hasExpired, isUploadId, UPLOAD_EXTENSIONS, UploadStore } from './upload-store';

export interface LocalUploadStoreOptions {
  /** The directory of the uploads (`<data>/uploads`): one file of bytes and one `.json` of metadata each. */
  directory: string;
  /** Uploads created longer ago than this expire; 0 never. */
  expiryMs: number;
}

/** Running digests kept at most: one per upload in progress (each holds at most two 1 MiB batches while it hashes). */
const MAX_RUNNING = 1024;

/**
 * Unfinished uploads as files in one directory (tus's FileStore): an upload's offset is its file's size, so it
 * survives any restart. Each write is flushed to the disk before its offset is acknowledged.
 */
export class LocalUploadStore extends FileStore implements UploadStore {
  readonly kind = 'local';
  /**
   * The digests of uploads whose bytes all arrived, in order, through this instance since their first byte: kept up
   * as each PATCH is written, so that a finished upload needs no second read. Dropped on any gap, failure or removal
   * (the file is then hashed back at the end); at most MAX_RUNNING are kept.
   */
  private readonly running = new Map<string, RunningDigest>();

  constructor(options: LocalUploadStoreOptions) {
    super({ directory: options.directory, expirationPeriodInMilliseconds: options.expiryMs });
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
    let digest = this.running.get(id);
    this.running.delete(id);
    if (offset === 0) digest = new RunningDigest();
    if (digest?.bytes !== offset) digest = undefined;
    let source = body;
    if (digest) {
      // Through a pipeline, so that a body cut short fails the write as it would without the tap (its error is the write's).
      const tap = digest.tap();
      pipeline(body, tap, () => undefined);
      source = tap;
    }
    const end = await super.write(source, id, offset);
    if (digest?.bytes === end) {
      this.running.set(id, digest);
      if (this.running.size > MAX_RUNNING) this.running.delete(this.running.keys().next().value!);
    }
    // The offset answered to the client must still hold after a crash of the machine.
    const file = await open(this.path(id), 'r+');
    try {
      await file.datasync();
    } finally {
      await file.close();
    }
    return end;
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
    const hashed = running?.bytes === size ? { bytes: size, sha256: await running.digest() } : await hashPath(file).catch(() => undefined);
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
