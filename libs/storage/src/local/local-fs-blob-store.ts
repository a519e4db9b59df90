import { FileHasher } from '@hoard/native';
import { chmodSync, constants, linkSync, mkdirSync, statSync, unlinkSync } from 'node:fs';
import { access, FileHandle, open, readdir, rm, statfs, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { normalizeSha256, type Sha256 } from '@app/contracts';
import type { BlobStat, BlobStore, ByteRange, ListOptions, PutOptions, PutResult } from '../blob-store';
import { checkRange } from '../shared/byte-range';
import { digestParts } from '../shared/digest-path';
import { blobNotFound, hasErrno, storeUnavailable } from '../shared/store-errors';
import { mapAtMost } from '../shared/each-at-most';
import { hashesOnPool, hashFile, hashStream, type Pace, type StoredDigest } from '../shared/pool-hash';
import { PutDriver, verifiedPut } from '../shared/verified-put';
import { fsyncDir, isMissing, readNames } from './fs-utils';
import { adoptBlobFile, DIR_MODE, IO_CHUNK, writeNewBlob } from './local-blob-writer';

/**
 * Files unlinked at once by `deleteMany`: on a busy server each round waits for the event loop, so a GC page takes
 * a few rounds, not one per handful of files.
 */
const DELETES_AT_ONCE = 4096;

/**
 * Blobs under 64 KiB are written through the page cache, so reading them back costs little: a cold scan of the bench's
 * tree (10,000 files, 2.5 GiB) took 13.84 s against 13.88 s without it. Reading back everything under 1 MiB, which
 * is written past the cache and so comes back from the disk, took 15.00 s (+8%); every blob's size is checked anyway.
 */
const REREAD_BELOW = 64 * 1024;
/** Bytes of a blob a scrub hashes per call on the thread pool (see hashStored). */
const HASH_CHUNK = 4 * 1024 * 1024;
const PREFIX_RE = /^[0-9a-f]{2}$/;
const DIGEST_RE = /^[0-9a-f]{64}$/;

export interface LocalFsBlobStoreOptions {
  /** Directory holding `<sha[0:2]>/<sha>`, `.tmp/` and `.quarantine/`; created (mode 0700) by `init()`. */
  root: string;
  /** Hash and write uploads with the native helpers; default: when they are built. */
  nativeWrites?: boolean;
  /** New blobs smaller than this are read back and hashed again before they are linked (default 64 KiB). */
  rereadBelow?: number;
}

/**
 * Blobs as files under a local directory: `<root>/<sha[0:2]>/<sha>` (mode 0400, directories 0700). An upload is
 * written to `<root>/.tmp/` while it is hashed, checked, fsynced, then hard-linked into place (see writeNewBlob): the
 * link is atomic and never replaces an existing blob, so a verified blob is never overwritten and a crash leaves at
 * most a temporary file, removed by `init()`. Quarantined blobs are moved to `<root>/.quarantine/<sha>.<time>`.
 *
 * The quick metadata calls of an upload (link, unlink, stat) run in place rather than on libuv's thread pool: on a
 * local file system they return in microseconds, and a pool round trip for each of them cost more than the call
 * itself when many small blobs arrive at once. Creating the file, writes and flushes, which can wait on the disk,
 * stay off the event loop.
 */
export class LocalFsBlobStore implements BlobStore {
  readonly kind = 'local';
  private readonly root: string;
  private readonly tmpDir: string;
  private readonly quarantineDir: string;
  private readonly writer;
  /** Temporary names: digest, this process's tag and a sequence number, unique without a random draw each. */
  private readonly tmpTag = `${process.pid}.${randomBytes(4).toString('hex')}.`;
  private tmpSeq = 0;

  constructor(options: LocalFsBlobStoreOptions) {
    this.root = resolve(options.root);
    this.tmpDir = join(this.root, '.tmp');
    this.quarantineDir = join(this.root, '.quarantine');
    this.writer = {
      root: this.root,
      prefixes: new Set<string>(),
      useNative: (options.nativeWrites ?? true) && FileHasher !== null,
      rereadBelow: options.rereadBelow ?? REREAD_BELOW,
    };
  }

  /** Creates the directories (0700) and removes temporary files left by a crash; call before any other method. */
  async init(): Promise<void> {
    try {
      for (const dir of [this.root, this.tmpDir, this.quarantineDir]) {
        mkdirSync(dir, { recursive: true, mode: DIR_MODE });
        chmodSync(dir, DIR_MODE);
      }
      for (const name of await readdir(this.tmpDir)) {
        await rm(join(this.tmpDir, name), { recursive: true, force: true });
      }
    } catch (error) {
      throw storeUnavailable(`cannot prepare ${this.root}`, error);
    }
  }

  async put(sha256: Sha256, body: Readable, options: PutOptions = {}): Promise<PutResult> {
    return verifiedPut(this.putDriver, sha256, body, options);
  }

  private readonly putDriver: PutDriver = {
    holds: async (sha) => this.exists(this.blobPath(sha.slice(0, 2), sha)),
    writeNew: async (sha, body, options) =>
      (options.adoptFile !== undefined ? await adoptBlobFile(this.writer, options.adoptFile, sha, body, options) : null) ??
      writeNewBlob(this.writer, join(this.tmpDir, `${sha}.${this.tmpTag}${++this.tmpSeq}`), sha, body, options),
  };

  /** In place, as the other quick metadata calls: an absent blob (the common case of a new upload) throws nothing. */
  async stat(sha256: Sha256): Promise<BlobStat | null> {
    const { sha, prefix } = digestParts(sha256);
    try {
      const info = statSync(this.blobPath(prefix, sha), { throwIfNoEntry: false });
      return info?.isFile() ? { sha256: sha, size: info.size } : null;
    } catch (error) {
      if (isMissing(error)) return null;
      throw storeUnavailable('stat', error);
    }
  }

  async read(sha256: Sha256, range?: ByteRange): Promise<Readable> {
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

  /**
   * Reads a stored blob whole and hashes it, for a scrub: with the native helpers, straight from the file on the
   * thread pool (read and hashed there a few MiB per call, so that several blobs are hashed on several cores and
   * the event loop does nearly nothing); without them, streamed and hashed here. `pace` is awaited before each read.
   * @throws HoardError `not_found` when absent; whatever `pace` throws, as it came
   */
  async hashStored(sha256: Sha256, pace?: Pace): Promise<StoredDigest> {
    if (!hashesOnPool) return hashStream(await this.read(sha256), pace);
    const { sha, prefix } = digestParts(sha256);
    let handle: FileHandle;
    try {
      handle = await open(this.blobPath(prefix, sha), 'r');
    } catch (error) {
      if (isMissing(error)) throw blobNotFound(sha);
      throw storeUnavailable('read', error);
    }
    try {
      return await hashFile(handle.fd, (await handle.stat()).size, HASH_CHUNK, pace);
    } catch (error) {
      // A failed read is the store's; anything else (a cancellation from `pace`) goes on as it came.
      if (typeof (error as { errno?: unknown }).errno === 'number') throw storeUnavailable('read', error);
      throw error;
    } finally {
      await handle.close();
    }
  }

  async delete(sha256: Sha256): Promise<boolean> {
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

  /** Unlinks each blob, many at a time; the directories are not flushed (see the port). */
  async deleteMany(sha256s: readonly Sha256[]): Promise<boolean[]> {
    try {
      return await mapAtMost(sha256s, DELETES_AT_ONCE, async (sha256) => {
        const { sha, prefix } = digestParts(sha256);
        try {
          await unlink(this.blobPath(prefix, sha));
          return true;
        } catch (error) {
          if (isMissing(error)) return false;
          throw error;
        }
      });
    } catch (error) {
      throw storeUnavailable('delete', error);
    }
  }

  /** Moves the blob to `.quarantine/<sha>.<ms since 1970>` (a suffix is added when that name is taken). */
  async quarantine(sha256: Sha256): Promise<boolean> {
    const { sha, prefix } = digestParts(sha256);
    const from = this.blobPath(prefix, sha);
    const stamp = `${sha}.${Date.now()}`;
    try {
      for (let n = 0; ; n++) {
        try {
          linkSync(from, join(this.quarantineDir, n === 0 ? stamp : `${stamp}-${n}`));
          break;
        } catch (error) {
          if (!hasErrno(error, 'EEXIST')) throw error;
        }
      }
      await fsyncDir(this.quarantineDir);
      unlinkSync(from);
      await fsyncDir(join(this.root, prefix));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw storeUnavailable('quarantine', error);
    }
  }

  async *list(options: ListOptions = {}): AsyncIterable<BlobStat> {
    const after = options.after ?? '';
    let left = options.limit ?? Number.POSITIVE_INFINITY;
    if (left <= 0) return;
    const prefixes = (await readNames(this.root)).filter((name) => PREFIX_RE.test(name) && name >= after.slice(0, 2));
    for (const prefix of prefixes.sort()) {
      const digests = (await readNames(join(this.root, prefix))).filter(
        (name) => DIGEST_RE.test(name) && name.startsWith(prefix) && name > after,
      );
      for (const name of digests.sort()) {
        const found = await this.stat(normalizeSha256(name));
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

  /** Bytes an unprivileged writer may still use on the root's file system. */
  async freeBytes(): Promise<number | null> {
    try {
      const fsInfo = await statfs(this.root);
      return fsInfo.bavail * fsInfo.bsize;
    } catch (error) {
      throw storeUnavailable('statfs', error);
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
}
