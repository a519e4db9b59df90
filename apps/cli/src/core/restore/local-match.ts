import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readlink } from 'node:fs/promises';
import type { FileRecord } from '@app/contracts';

/** How what is on disk at a path compares with a record. */
export type LocalMatch = 'absent' | 'identical' | 'different' | 'directory';

/** The record fields a comparison needs. */
export type Comparable = Pick<FileRecord, 'type' | 'link_target' | 'size' | 'mtime' | 'sha256'>;

/**
 * Compares the path with the record without changing anything: a symlink by its target; a file by its size, then
 * (with `trustMtime`) its mtime to the microsecond, and otherwise by its SHA-256 (`digest` computes it).
 */
export async function compareLocal(
  path: string,
  record: Comparable,
  options: { trustMtime: boolean; digest?: (path: string) => Promise<string> },
): Promise<LocalMatch> {
  let st;
  try {
    st = await lstat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'absent';
    throw err;
  }
  if (st.isDirectory()) return 'directory';
  if (record.type === 'symlink') return st.isSymbolicLink() && (await readlink(path)) === record.link_target ? 'identical' : 'different';
  if (!st.isFile() || st.size !== record.size) return 'different';
  if (options.trustMtime && record.mtime !== null && Math.abs(st.mtimeMs - record.mtime * 1000) < 0.001) return 'identical';
  return (await (options.digest ?? sha256OfFile)(path)) === record.sha256 ? 'identical' : 'different';
}

/** SHA-256 of a file, streamed. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
