import { closeSync, constants, linkSync, mkdirSync, open as openCallback, statSync, unlinkSync } from 'node:fs';
import { access, FileHandle, mkdir, open, readdir, rm, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobStat, BlobStore, ByteRange, ListOptions, PutOptions, PutResult } from '../blob-store';
import { checkRange } from '../shared/byte-range';
import { digestParts } from '../shared/digest-path';
import { checkPutOptions } from '../shared/hashing-meter';
import { blobNotFound, classifyPutFailure, digestMismatch, hasErrno, storeUnavailable } from '../shared/store-errors';
import { verifyBody } from '../shared/verify-body';
import { HashingFileSink } from './file-sink';
import { fsyncDir, isMissing, readNames, syncData } from './fs-utils';

const openFd = promisify(openCallback);

/** Reads and writes move in 1 MiB pieces: few syscalls, bounded memory. */
const IO_CHUNK = 1 << 20;
/** Stored blobs are read-only: nothing ever writes to a verified blob again. */
const BLOB_MODE = 0o444;
const DIR_MODE = 0o755;
const PREFIX_RE = /^[0-9a-f]{2}$/;
const DIGEST_RE = /^[0-9a-f]{64}$/;

export interface LocalFsBlobStoreOptions {
  /** Directory holding `<sha[0:2]>/<sha>` and `.tmp/`; created by `init()`. */
  root: string;
}

/**
 * Blobs as files under a local directory: `<root>/<sha[0:2]>/<sha>`. An upload is written to `<root>/.tmp/`
 * while it is hashed, fsynced, then hard-linked into place: the link is atomic and never replaces an existing
 * blob, so a verified blob is never overwritten and a crash leaves at most a temporary file, removed by `init()`.
 *
 * The quick metadata calls of an upload (close, link, unlink, stat) run in place rather than on libuv's thread
 * pool: on a local file system they return in microseconds, and a pool round trip for each of them cost more
 * than the call itself when many small blobs arrive at once. Creating the file, writes and flushes, which can
 * wait on the disk, stay off the event loop.
 */
export class LocalFsBlobStore implements BlobStore {
  readonly kind = 'local';
  private readonly root: string;
  private readonly tmpDir: string;
  /** Prefix directories known to exist, so that an upload does not ask again. */
  private readonly prefixes = new Set<string>();
  /** Temporary names: digest, this process's tag and a sequence number, unique without a random draw each. */
  private readonly tmpTag = `${process.pid}.${randomBytes(4).toString('hex')}.`;
  private tmpSeq = 0;

  constructor(options: LocalFsBlobStoreOptions) {
    this.root = resolve(options.root);
    this.tmpDir = join(this.root, '.tmp');
  }

  /** Creates the directories and removes temporary files left by a crash; call before any other method. */
  async init(): Promise<void> {
    try {
      await mkdir(this.tmpDir, { recursive: true, mode: DIR_MODE });
      for (const name of await readdir(this.tmpDir)) {
        await rm(join(this.tmpDir, name), { recursive: true, force: true });
      }
    } catch (error) {
      throw storeUnavailable(`cannot prepare ${this.root}`, error);
    }
  }

  async put(sha256: string, body: Readable, options: PutOptions = {}): Promise<PutResult> {
    try {
      const { sha, prefix } = digestParts(sha256);
      checkPutOptions(options);
      if (this.exists(this.blobPath(prefix, sha))) {
        return { sha256: sha, size: await verifyBody(sha, body, options), created: false };
      }
      return await this.writeNew(sha, prefix, body, options);
    } catch (error) {
      body.destroy();
      throw error;
    }
  }

  async stat(sha256: string): Promise<BlobStat | null> {
    const { sha, prefix } = digestParts(sha256);
    try {
      const info = await stat(this.blobPath(prefix, sha));
      return info.isFile() ? { sha256: sha, size: info.size } : null;
    } catch (error) {
      if (isMissing(error)) return null;
      throw storeUnavailable('stat', error);
    }
  }

  async read(sha256: string, range?: ByteRange): Promise<Readable> {
    const { sha, prefix } = digestParts(sha256);
    let handle: FileHandle;
    try {
      handle = await open(this.blobPath(prefix, sha), 'r');
    } catch (error) {
      if (isMissing(error)) throw blobNotFound(sha);
      throw storeUnavailable('read', error);
    }
    try {
      if (range) checkRange(range, (await handle.stat()).size);
      return handle.createReadStream({ start: range?.start, end: range?.end, highWaterMark: IO_CHUNK });
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async delete(sha256: string): Promise<boolean> {
    const { sha, prefix } = digestParts(sha256);
    try {
      await unlink(this.blobPath(prefix, sha));
      await fsyncDir(join(this.root, prefix));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw storeUnavailable('delete', error);
    }
  }

  async *list(options: ListOptions = {}): AsyncIterable<BlobStat> {
    const after = options.after?.toLowerCase() ?? '';
    let left = options.limit ?? Number.POSITIVE_INFINITY;
    if (left <= 0) return;
    const prefixes = (await readNames(this.root)).filter((name) => PREFIX_RE.test(name) && name >= after.slice(0, 2));
    for (const prefix of prefixes.sort()) {
      const digests = (await readNames(join(this.root, prefix))).filter(
        (name) => DIGEST_RE.test(name) && name.startsWith(prefix) && name > after,
      );
      for (const sha of digests.sort()) {
        const found = await this.stat(sha);
        if (!found) continue; // deleted while listing
        yield found;
        if (--left <= 0) return;
      }
    }
  }

  async ping(): Promise<void> {
    try {
      await access(this.tmpDir, constants.R_OK | constants.W_OK | constants.X_OK);
    } catch (error) {
      throw storeUnavailable(`${this.root} is not accessible`, error);
    }
  }

  async close(): Promise<void> {}

  private blobPath(prefix: string, sha: string): string {
    return join(this.root, prefix, sha);
  }

  private exists(path: string): boolean {
    try {
      return statSync(path, { throwIfNoEntry: false }) !== undefined;
    } catch (error) {
      if (isMissing(error)) return false;
      throw storeUnavailable('stat', error);
    }
  }

  private async writeNew(sha: string, prefix: string, body: Readable, options: PutOptions): Promise<PutResult> {
    const tmp = join(this.tmpDir, `${sha}.${this.tmpTag}${++this.tmpSeq}`);
    let fd: number | undefined;
    try {
      try {
        // Creating a file needs a journal handle, which waits while the journal commits other uploads' flushes:
        // this one call stays off the event loop.
        fd = await openFd(tmp, 'wx', BLOB_MODE);
      } catch (error) {
        throw storeUnavailable('cannot create a temporary file', error);
      }
      const sink = new HashingFileSink(fd, IO_CHUNK, options);
      await pipeline(body, sink).catch((error) => {
        throw classifyPutFailure(error, sink.failure, 'write');
      });
      const actual = sink.digest();
      if (actual !== sha) throw digestMismatch(sha, actual);
      const file = fd;
      fd = undefined;
      const created = await this.commit(file, tmp, prefix, sha);
      return { sha256: sha, size: sink.bytes, created };
    } finally {
      if (fd !== undefined) closeQuietly(fd);
      try {
        unlinkSync(tmp);
      } catch {
        // already linked and removed, or never created
      }
    }
  }

  /** Flush, close, link into place (never replacing), fsync the directory. False when the blob was there. */
  private async commit(fd: number, tmp: string, prefix: string, sha: string): Promise<boolean> {
    try {
      try {
        await syncData(fd);
      } finally {
        closeQuietly(fd);
      }
      const dir = join(this.root, prefix);
      await this.ensurePrefix(prefix, dir);
      try {
        linkSync(tmp, join(dir, sha));
      } catch (error) {
        if (hasErrno(error, 'EEXIST')) return false;
        if (!hasErrno(error, 'ENOENT')) throw error;
        // The prefix directory was removed behind the store's back: make it again, once.
        this.prefixes.delete(prefix);
        await this.ensurePrefix(prefix, dir);
        linkSync(tmp, join(dir, sha));
      }
      await fsyncDir(dir);
      return true;
    } catch (error) {
      if (hasErrno(error, 'EEXIST')) return false;
      throw storeUnavailable('commit', error);
    }
  }

  /** Creates `<root>/<prefix>` unless known to exist; a new directory is made durable in the root. */
  private async ensurePrefix(prefix: string, dir: string): Promise<void> {
    if (this.prefixes.has(prefix)) return;
    if (mkdirSync(dir, { recursive: true, mode: DIR_MODE }) !== undefined) await fsyncDir(this.root);
    this.prefixes.add(prefix);
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // nothing more to do with a descriptor that will not close
  }
}
