import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { HoardError, PackItemResult, PutBlobResponse } from '@app/contracts';
import { changedSizeError } from './changed-file';
import { PackBody } from './multipart-body';

/** A small file to send in a pack: exactly `size` bytes, as it was when it was hashed to `sha256`. */
export interface PackFile {
  sha256: string;
  path: string;
  size: number;
}

/**
 * What became of one file of a pack: stored (as a PUT answers), or the error that kept it from being stored — its
 * own when it could not be read (ENOENT, EACCES, …; `digest_mismatch` when its size changed), the server's refusal of
 * its part, or the failure of the request that carried it.
 */
export type PackFileResult = PutBlobResponse | { sha256: string; error: Error };

/** The body of a pack of `files`, each read whole into its place; those that cannot be read are left out. */
export function packBody(files: PackFile[]): { body: PackBody; sent: number[]; unread: Map<number, Error> } {
  const body = new PackBody(
    files.length,
    files.reduce((n, f) => n + f.size, 0),
  );
  const sent: number[] = [];
  const unread = new Map<number, Error>();
  files.forEach((file, i) => {
    try {
      body.add(file.sha256, file.size, (target) => readWholeFile(file.path, target));
      sent.push(i);
    } catch (err) {
      unread.set(i, err as Error);
    }
  });
  return { body, sent, unread };
}

/** One result per file: the read failures, and the server's answer (`items`, in part order) for the parts sent. */
export function packResults(files: PackFile[], sent: number[], unread: Map<number, Error>, items: PackItemResult[]): PackFileResult[] {
  const results: Array<PackFileResult | undefined> = new Array(files.length);
  sent.forEach((i, k) => {
    const item = items[k];
    if (item && 'size' in item) results[i] = item;
    else if (item) results[i] = { sha256: item.sha256, error: new HoardError(item.error.code, item.error.message) };
  });
  // An Error is made only for a file that has none: a stack trace per file of a 1,000-file pack cost 9 ms.
  return files.map(
    (file, i) => results[i] ?? { sha256: file.sha256, error: unread.get(i) ?? new Error('the server did not answer for this file') },
  );
}

/**
 * Reads the whole content of a small file into `target`, in place (a few system calls on a file in the page cache).
 * A file whose length is no longer the recorded size changed since it was hashed.
 */
function readWholeFile(path: string, target: Buffer): void {
  const fd = openSync(path, 'r');
  try {
    if (fstatSync(fd).size !== target.length) throw changedSizeError();
    let length = 0;
    while (length < target.length) {
      const n = readSync(fd, target, length, target.length - length, null);
      if (n === 0) throw changedSizeError();
      length += n;
    }
  } finally {
    closeSync(fd);
  }
}
