import { closeSync, fdatasync, fsync, openSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { hasErrno, storeUnavailable } from '../shared/store-errors';

const fsyncFd = promisify(fsync);

/** Flushes a file's data and the metadata needed to read it back (its size) to the disk. */
export const syncData = promisify(fdatasync);

/** True for the errors of a path that does not exist (or whose parent is not a directory). */
export function isMissing(error: unknown): boolean {
  return hasErrno(error, 'ENOENT') || hasErrno(error, 'ENOTDIR');
}

/**
 * Makes a directory's entries (a new link, a removed name) durable. Opening and closing a directory are
 * metadata calls that return at once, so they run in place; only the flush waits on the disk, off the loop.
 */
export async function fsyncDir(dir: string): Promise<void> {
  const fd = openSync(dir, 'r');
  try {
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

/** Names in a directory; none when it does not exist. */
export async function readNames(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (isMissing(error)) return [];
    throw storeUnavailable('list', error);
  }
}
