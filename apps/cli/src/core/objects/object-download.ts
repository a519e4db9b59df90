import { createHash, type Hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HoardError } from '@app/contracts';
import type { HoardClient, ObjectHead } from '@app/client';
import type { ObjectTarget } from './object-target';

/** What a download asks of the server. */
export type ObjectClient = Pick<HoardClient, 'getObject'>;

export interface ObjectDownloadOptions {
  version?: number;
  /** Told of bytes as they arrive. */
  onBytes?: (n: number) => void;
  /** Told of the object's size once the server said it. */
  onSize?: (size: number) => void;
}

/** The temporary name a download to `target` uses until its content is verified. */
export function objectPartialPath(target: string): string {
  return join(dirname(target), `.${basename(target)}.hoard-partial`);
}

/**
 * Downloads an object to `target`: the bytes go to a temporary name in the same directory while they are hashed,
 * and the file takes its final name only once they hash to the digest the server named (its ETag). On a mismatch
 * the temporary file is removed and `digest_mismatch` is thrown: no output file is left. Resolves with what the
 * server said of the object.
 */
export async function downloadObjectToFile(
  client: ObjectClient,
  object: ObjectTarget,
  target: string,
  options: ObjectDownloadOptions = {},
): Promise<ObjectHead> {
  const temp = objectPartialPath(target);
  try {
    const head = await receive(client, object, createWriteStream(temp, { mode: 0o644 }), options, true);
    const handle = await open(temp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
    return head;
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/** Streams an object to a writable (stdout) and verifies it at the end: `digest_mismatch` after the fact. */
export function downloadObjectToStream(
  client: ObjectClient,
  object: ObjectTarget,
  out: Writable,
  options: ObjectDownloadOptions = {},
): Promise<ObjectHead> {
  return receive(client, object, out, options, false);
}

async function receive(
  client: ObjectClient,
  object: ObjectTarget,
  out: Writable,
  options: ObjectDownloadOptions,
  end: boolean,
): Promise<ObjectHead> {
  const download = await client.getObject(object.bucket, object.key, { version: options.version });
  const expected = download.object.sha256;
  if (!expected) {
    download.body.destroy();
    throw new HoardError('invalid_request', `the server named no digest (ETag) for ${object.bucket}/${object.key}: it cannot be verified`);
  }
  if (download.totalSize !== null) options.onSize?.(download.totalSize);
  const hash = createHash('sha256');
  await pipeline(download.body, hashing(hash, options.onBytes), out, { end });
  const actual = hash.digest('hex');
  if (actual !== expected) {
    throw new HoardError('digest_mismatch', `${object.bucket}/${object.key} hashes to ${actual}, not to ${expected} as the server said`, {
      details: { expected, actual },
    });
  }
  return download.object;
}

function hashing(hash: Hash, onBytes?: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      onBytes?.(chunk.length);
      done(null, chunk);
    },
  });
}
