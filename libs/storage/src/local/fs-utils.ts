import { open, readdir } from 'node:fs/promises';
import { hasErrno, storeUnavailable } from '../shared/store-errors';

/** True for the errors of a path that does not exist (or whose parent is not a directory). */
export function isMissing(error: unknown): boolean {
  return hasErrno(error, 'ENOENT') || hasErrno(error, 'ENOTDIR');
}

/** Makes a directory's entries (a new link, a removed name) durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
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
