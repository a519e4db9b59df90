import { createHash, Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EMPTY_SHA256, HoardError } from '@app/contracts';
import type { HoardClient } from '@app/client';

/** What a download asks of the server: content by digest. */
export type DownloadClient = Pick<HoardClient, 'getBlob'>;

export interface DownloadFileOptions {
  /** Called with the verified temporary file before it takes its final name (to set mode and times). */
  beforeRename?: (tempPath: string) => Promise<void>;
  /** Attempts when the transfer breaks off; each continues where the last stopped (default 4). */
  attempts?: number;
  /** Told of bytes as they reach the temporary file (those an earlier attempt left, too). */
  onBytes?: (n: number) => void;
  /** Told of the content's size once the server said it. */
  onSize?: (size: number) => void;
}

/** The temporary name a download of `sha256` to `target` uses; it survives an interruption so a rerun resumes. */
export function partialPath(target: string, sha256: string): string {
  return join(dirname(target), `.${basename(target)}.${sha256.slice(0, 16)}.hoard-partial`);
}

/**
 * Downloads content to `target`: bytes go to a temporary name in the same directory, resuming with Range from
 * what an earlier attempt left; the file takes its final name only once its SHA-256 matches. On a mismatch the
 * temporary file is removed and a `digest_mismatch` HoardError is thrown: no output file is left.
 */
export async function downloadToFile(
  client: DownloadClient,
  sha256: string,
  target: string,
  options: DownloadFileOptions = {},
): Promise<number> {
  const temp = partialPath(target, sha256);
  const attempts = options.attempts ?? 4;
  const state: TransferState = { hash: createHash('sha256'), offset: 0, received: 0, reported: 0 };
  if (sha256 === EMPTY_SHA256) {
    await (await open(temp, 'w')).close();
  } else {
    state.offset = await hashExisting(temp, state.hash);
    report(state, state.offset, options);
    for (let attempt = 1; ; attempt++) {
      try {
        await transfer(client, sha256, temp, state, options);
        break;
      } catch (err) {
        if (err instanceof HoardError || attempt >= attempts) throw err;
        // The transfer broke off: continue from what reached the disk (what it counted beyond that goes again).
        state.hash = createHash('sha256');
        state.offset = await hashExisting(temp, state.hash);
        report(state, state.offset, options);
      }
    }
  }
  const hash = state.hash;
  const digest = hash.digest('hex');
  if (digest !== sha256) {
    await rm(temp, { force: true });
    throw new HoardError('digest_mismatch', `downloaded content of ${sha256} hashes to ${digest}; nothing was written`, {
      details: { expected: sha256, actual: digest },
    });
  }
  await syncFile(temp);
  await options.beforeRename?.(temp);
  await rename(temp, target);
  return (await stat(target)).size;
}

/** Streams content to a writable (e.g. stdout) and verifies the digest at the end; throws `digest_mismatch` after the fact. */
export async function downloadToStream(
  client: DownloadClient,
  sha256: string,
  out: Writable,
  options: Pick<DownloadFileOptions, 'onBytes' | 'onSize'> = {},
): Promise<number> {
  const hash = createHash('sha256');
  let bytes = 0;
  if (sha256 !== EMPTY_SHA256) {
    const dl = await client.getBlob(sha256);
    if (dl.totalSize !== null) options.onSize?.(dl.totalSize);
    const counter = hashing(hash, (n) => {
      bytes += n;
      options.onBytes?.(n);
    });
    await pipeline(dl.body, counter, out, { end: false });
  }
  const digest = hash.digest('hex');
  if (digest !== sha256) {
    throw new HoardError('digest_mismatch', `content of ${sha256} hashes to ${digest}: the output is not that content`);
  }
  return bytes;
}

/** Where a download stands: the hash of what is on disk, its length, this attempt's bytes, the bytes reported. */
interface TransferState {
  hash: Hash;
  offset: number;
  received: number;
  reported: number;
}

/** Tells `onBytes` how far the temporary file has come since the last report (less, after a start over). */
function report(state: TransferState, total: number, options: DownloadFileOptions): void {
  options.onBytes?.(total - state.reported);
  state.reported = total;
}

/** One request: continues the partial file with Range, or starts over when it cannot be continued. */
async function transfer(
  client: DownloadClient,
  sha256: string,
  temp: string,
  state: TransferState,
  options: DownloadFileOptions,
): Promise<void> {
  state.received = 0;
  let dl = await client.getBlob(sha256, state.offset > 0 ? { range: { start: state.offset } } : {}).catch((err) => {
    if (state.offset > 0 && err instanceof HoardError && err.code === 'range_not_satisfiable') return null;
    throw err;
  });
  if (state.offset > 0 && (dl === null || dl.status !== 206)) {
    // The partial file is longer than the content, or the server sent it whole: start over.
    dl?.body.destroy();
    state.hash = createHash('sha256');
    state.offset = 0;
    report(state, 0, options);
    await rm(temp, { force: true });
    dl = await client.getBlob(sha256);
  }
  if (dl!.totalSize !== null) options.onSize?.(dl!.totalSize);
  const count = (n: number) => {
    state.received += n;
    report(state, state.offset + state.received, options);
  };
  await pipeline(dl!.body, hashing(state.hash, count), createWriteStream(temp, { flags: state.offset > 0 ? 'a' : 'w' }));
}

function hashing(hash: Hash, onBytes?: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      onBytes?.(chunk.length);
      done(null, chunk);
    },
  });
}

async function hashExisting(path: string, hash: Hash): Promise<number> {
  let size = 0;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') throw err;
  }
  return size;
}

async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
