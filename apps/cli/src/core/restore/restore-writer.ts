import { randomBytes } from 'node:crypto';
import { chmod, lstat, lutimes, mkdir, rename, rm, symlink, utimes } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { FileRecord, HoardError } from '@app/contracts';
import { DownloadClient, downloadToFile } from '../download/blob-download';

/**
 * Writes restored files and links under a directory. Nothing is written through a symbolic link: each directory on
 * the way from the restore directory down is checked (a link restored in the same run, or left by an earlier one,
 * could otherwise lead a file outside it), and links are made only after every file.
 */
export class RestoreWriter {
  /** Directories under the root known to be real directories (not links). */
  private readonly checked = new Set<string>();

  constructor(
    private readonly root: string,
    private readonly client: DownloadClient,
  ) {}

  /** Downloads a file's content to `target`, verified, then sets its mode and mtime; resolves with its size. */
  async writeFile(record: FileRecord, target: string, onBytes: (n: number) => void): Promise<number> {
    await this.prepareDir(dirname(target));
    return downloadToFile(this.client, record.sha256, target, {
      onBytes,
      beforeRename: async (temp) => {
        if (record.mode !== null) await chmod(temp, record.mode & 0o7777);
        if (record.mtime !== null) await utimes(temp, record.atime ?? record.mtime, record.mtime);
      },
    });
  }

  /** Makes `target` a symlink to the record's target, replacing a file or link there in one step. */
  async writeLink(record: FileRecord, target: string): Promise<void> {
    await this.prepareDir(dirname(target));
    const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.hoard-link`);
    await symlink(record.link_target ?? '', temp);
    try {
      if (record.mtime !== null) await lutimes(temp, record.atime ?? record.mtime, record.mtime);
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  /** Creates `dir` and its parents under the root, refusing any that is a symbolic link. */
  private async prepareDir(dir: string): Promise<void> {
    if (this.checked.has(dir)) return;
    if (this.checked.size === 0) await mkdir(this.root, { recursive: true });
    let path = this.root;
    for (const part of relative(this.root, dir).split(sep).filter(Boolean)) {
      path = join(path, part);
      if (this.checked.has(path)) continue;
      let st = await lstatOrNull(path);
      if (!st) {
        // Made here, or by a download of the same directory running beside this one: then it is looked at again.
        const made = await mkdir(path).then(
          () => true,
          (err: NodeJS.ErrnoException) => (err.code === 'EEXIST' ? false : Promise.reject(err)),
        );
        if (!made) st = await lstatOrNull(path);
      }
      if (st?.isSymbolicLink()) throw new HoardError('invalid_request', `${path} is a symbolic link; nothing is restored through it`);
      if (st && !st.isDirectory()) throw new HoardError('invalid_request', `${path} is a file where a directory should be`);
      this.checked.add(path);
    }
  }
}

async function lstatOrNull(path: string) {
  return lstat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
}
