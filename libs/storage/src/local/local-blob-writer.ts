import { chmodSync, linkSync, mkdirSync, unlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PutOptions } from '../blob-store';
import { classifyPutFailure, digestMismatch, hasErrno, storeUnavailable } from '../shared/store-errors';
import { fsyncDir } from './fs-utils';
import { BLOB_MODE, TempBlobFile, TempFileMismatch } from './temp-blob-file';

/** Reads and writes move in 1 MiB pieces: few syscalls, bounded memory. */
export const IO_CHUNK = 1 << 20;
/** Directories of the store: the server's user only. */
export const DIR_MODE = 0o700;

/** Where and how one store writes new blobs. */
export interface BlobWriterTarget {
  root: string;
  /** Prefix directories known to exist, so that an upload does not ask again. */
  prefixes: Set<string>;
  /** Hash and write on the thread pool with the native helpers (else on the event loop with fs). */
  useNative: boolean;
  /** Blobs smaller than this are read back and hashed again before they are linked into place. */
  rereadBelow: number;
}

/**
 * Writes a new blob: the body goes to the temporary file `tmp` while it is hashed; only when the digest matches, the
 * file holds exactly what was hashed (see TempBlobFile.seal) and it is flushed is it hard-linked into
 * `<root>/<prefix>/<sha>`: the link is atomic and never replaces an existing blob. Resolves with the size and
 * whether this upload created the blob (false: an identical one got there first). The temporary file is closed (once
 * no write can reach it) and removed on every way out.
 */
export async function writeNewBlob(
  target: BlobWriterTarget,
  tmp: string,
  sha: string,
  body: Readable,
  options: PutOptions,
): Promise<{ size: number; created: boolean }> {
  let file: TempBlobFile;
  try {
    // Creating a file needs a journal handle, which waits while the journal commits other uploads' flushes: it stays
    // off the event loop.
    file = await TempBlobFile.create(tmp, target.useNative);
  } catch (error) {
    throw storeUnavailable('cannot create a temporary file', error);
  }
  try {
    const sink = file.sink(IO_CHUNK, options);
    await pipeline(body, sink).catch((error) => {
      throw classifyPutFailure(error, sink.failure, 'write');
    });
    const actual = sink.digest();
    if (actual !== sha) throw digestMismatch(sha, actual);
    await file.seal(sha, sink.bytes, target.rereadBelow).catch((error) => {
      throw storeUnavailable(error instanceof TempFileMismatch ? 'verify' : 'flush', error);
    });
    await file.close();
    const created = await link(target, tmp, sha);
    return { size: sink.bytes, created };
  } finally {
    await file.close();
    removeQuietly(tmp);
  }
}

/**
 * Takes in `file`, which the caller says holds content `sha` (see PutOptions.adoptFile), by a hard link instead of a
 * copy: its size is checked against the options, it is flushed and made read-only, then linked into place as
 * `writeNewBlob` links its temporary file (atomic, never replacing). The body is not read. Null when the file is on
 * another file system than the store: the caller then writes the body as usual.
 */
export async function adoptBlobFile(
  target: BlobWriterTarget,
  file: string,
  sha: string,
  body: Readable,
  options: PutOptions,
): Promise<{ size: number; created: boolean } | null> {
  let size: number;
  try {
    const handle = await open(file, 'r');
    try {
      size = (await handle.stat()).size;
      if (options.maxBytes !== undefined && size > options.maxBytes) throw new RangeError('too large');
      if (options.expectedSize !== undefined && size !== options.expectedSize) throw new RangeError('size');
      await handle.datasync();
    } finally {
      await handle.close();
    }
    chmodSync(file, BLOB_MODE);
  } catch (error) {
    throw storeUnavailable('adopt', error);
  }
  try {
    const created = await link(target, file, sha);
    body.destroy();
    return { size, created };
  } catch (error) {
    if (hasErrno(error, 'EXDEV')) return null;
    throw error;
  }
}

/** Links the sealed temporary file into place (never replacing) and makes the link durable. */
async function link(target: BlobWriterTarget, tmp: string, sha: string): Promise<boolean> {
  const prefix = sha.slice(0, 2);
  const dir = join(target.root, prefix);
  try {
    await ensurePrefix(target, prefix, dir);
    try {
      linkSync(tmp, join(dir, sha));
    } catch (error) {
      if (hasErrno(error, 'EEXIST')) return false;
      if (!hasErrno(error, 'ENOENT')) throw error;
      // The prefix directory was removed behind the store's back: make it again, once.
      target.prefixes.delete(prefix);
      await ensurePrefix(target, prefix, dir);
      linkSync(tmp, join(dir, sha));
    }
    await fsyncDir(dir);
    return true;
  } catch (error) {
    if (hasErrno(error, 'EEXIST')) return false;
    // A file on another file system (only an adopted one can be): the caller copies it instead.
    if (hasErrno(error, 'EXDEV')) throw error;
    throw storeUnavailable('commit', error);
  }
}

/** Creates `<root>/<prefix>` unless known to exist; a new directory is made durable in the root. */
async function ensurePrefix(target: BlobWriterTarget, prefix: string, dir: string): Promise<void> {
  if (target.prefixes.has(prefix)) return;
  if (mkdirSync(dir, { recursive: true, mode: DIR_MODE }) !== undefined) {
    chmodSync(dir, DIR_MODE); // past the umask
    await fsyncDir(target.root);
  }
  target.prefixes.add(prefix);
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already linked and removed, or never created
  }
}
