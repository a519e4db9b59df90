import { chmodSync, mkdirSync, statSync, writev } from 'node:fs';
import { FileHandle, open, stat, truncate, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { fdatasync } from 'node:fs';
import { HoardError } from '@app/contracts';
import { fsyncDir, isMissing, readNames } from '../local/fs-utils';
import { hasErrno, storeUnavailable } from '../shared/store-errors';
import type { PackAppender, PackFiles, PackFileStat } from './pack-files';
import { dropBytes } from '../shared/buffers';

const DIR_MODE = 0o700;
const PACK_MODE = 0o600;
const ID_RE = /^[0-9a-f]{32}$/;
const syncData = promisify(fdatasync);

/** Packs as files under `<root>/packs/<id[0:2]>/<id>` (directories 0700, files 0600). */
export class LocalPackFiles implements PackFiles {
  readonly dir: string;
  /** A local pack is appended to across flushes until it is full. */
  readonly sealsOnSync = false;

  constructor(root: string) {
    this.dir = join(root, 'packs');
  }

  async create(id: string): Promise<PackAppender> {
    const prefixDir = join(this.dir, id.slice(0, 2));
    try {
      // Never recursive: a store root that went away must not be made again, empty, under its mount point.
      for (const [dir, parent] of [
        [this.dir, join(this.dir, '..')],
        [prefixDir, this.dir],
      ]) {
        if (makeDir(dir)) await fsyncDir(parent);
      }
      const path = join(prefixDir, id);
      const handle = await open(path, 'wx', PACK_MODE);
      try {
        await fsyncDir(prefixDir);
        const { ino, dev } = await handle.stat();
        return new LocalPackAppender(
          id,
          handle.fd,
          () => handle.close(),
          () => stillInPlace(path, ino, dev),
        );
      } catch (error) {
        await handle.close();
        throw error;
      }
    } catch (error) {
      throw storeUnavailable('cannot create a pack', error);
    }
  }

  async read(id: string, offset: number, length: number): Promise<Readable> {
    const handle = await this.openForRead(id);
    if (length === 0) {
      await handle.close();
      return Readable.from([]);
    }
    return handle.createReadStream({ start: offset, end: offset + length - 1, highWaterMark: 1 << 20 });
  }

  async readBytes(id: string, offset: number, length: number): Promise<Buffer> {
    const handle = await this.openForRead(id);
    try {
      const buffer = Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(buffer, done, length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return buffer.subarray(0, done);
    } catch (error) {
      throw storeUnavailable('read a pack', error);
    } finally {
      await handle.close();
    }
  }

  async list(): Promise<PackFileStat[]> {
    const found: PackFileStat[] = [];
    for (const prefix of (await readNames(this.dir)).sort()) {
      for (const id of (await readNames(join(this.dir, prefix))).sort()) {
        if (!ID_RE.test(id) || !id.startsWith(prefix)) continue;
        try {
          const { size, mtimeMs } = await stat(this.path(id));
          found.push({ id, size, modifiedAt: Math.floor(mtimeMs) });
        } catch (error) {
          if (!isMissing(error)) throw storeUnavailable('list packs', error);
        }
      }
    }
    return found;
  }

  async truncate(id: string, size: number): Promise<void> {
    try {
      await truncate(this.path(id), size);
      const handle = await open(this.path(id), 'r+');
      try {
        await handle.datasync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw storeUnavailable('truncate a pack', error);
    }
  }

  async remove(id: string): Promise<boolean> {
    try {
      await unlink(this.path(id));
      await fsyncDir(join(this.dir, id.slice(0, 2)));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw storeUnavailable('remove a pack', error);
    }
  }

  private path(id: string): string {
    return join(this.dir, id.slice(0, 2), id);
  }

  private async openForRead(id: string): Promise<FileHandle> {
    try {
      return await open(this.path(id), 'r');
    } catch (error) {
      if (isMissing(error)) throw new HoardError('not_found', `no pack ${id}`, { details: { pack: id } });
      throw storeUnavailable('open a pack', error);
    }
  }
}

/**
 * The one writer of a pack file and the sole owner of its descriptor: writes are positional, and the descriptor is
 * closed only once every write started on it is over, so its number is never reused while a write could land.
 */
class LocalPackAppender implements PackAppender {
  private readonly inFlight = new Set<Promise<void>>();
  private closing?: Promise<void>;

  constructor(
    readonly id: string,
    private readonly fd: number,
    private readonly closeHandle: () => Promise<void>,
    private readonly checkInPlace: () => void,
  ) {}

  write(buffers: Buffer[], position: number): Promise<void> {
    if (this.closing) return Promise.reject(new Error(`pack ${this.id} is closed`));
    const done: Promise<void> = writeAll(this.fd, buffers, position).finally(() => this.inFlight.delete(done));
    this.inFlight.add(done);
    return done;
  }

  /** Flushes, then checks that the file is still the pack's (its directory was not removed or moved away). */
  async datasync(): Promise<void> {
    if (this.closing) throw new Error(`pack ${this.id} is closed`);
    await syncData(this.fd);
    this.checkInPlace();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.inFlight]);
      await this.closeHandle().catch(() => undefined);
    })();
    return this.closing;
  }
}

/** Creates a directory (0700 past the umask) whose parent exists; false when it existed. */
function makeDir(dir: string): boolean {
  try {
    mkdirSync(dir, { mode: DIR_MODE });
  } catch (error) {
    if (hasErrno(error, 'EEXIST')) return false;
    throw error;
  }
  chmodSync(dir, DIR_MODE);
  return true;
}

/** Throws ENOENT unless `path` still names the file (`ino`, `dev`) that was created there. */
function stillInPlace(path: string, ino: number, dev: number): void {
  const now = statSync(path, { throwIfNoEntry: false });
  if (now?.ino === ino && now.dev === dev) return;
  throw Object.assign(new Error(`ENOENT: the pack file ${path} is no longer in place`), { code: 'ENOENT' });
}

/** Writes every byte of `buffers` at `position`, resuming after short writes. */
function writeAll(fd: number, buffers: Buffer[], position: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (rest: Buffer[], at: number): void => {
      if (rest.length === 0) return resolve();
      writev(fd, rest, at, (error, written) => {
        if (error) return reject(error);
        step(dropBytes(rest, written), at + written);
      });
    };
    step(
      buffers.filter((b) => b.length > 0),
      position,
    );
  });
}
