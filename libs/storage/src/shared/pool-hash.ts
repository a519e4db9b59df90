import { digestEach, PoolHasher } from '@hoard/native';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { type Readable, Transform, type TransformCallback } from 'node:stream';

/** Waits until `bytes` more may be read (a rate limit), or throws to stop (a cancellation). */
export type Pace = (bytes: number) => Promise<void>;

/** What a stored copy's bytes hash to, and how many there were. */
export interface StoredDigest {
  bytes: number;
  sha256: string;
}

/**
 * Bytes of a stream handed to the thread pool at once: a pool round trip costs some microseconds, hashing a MiB
 * about a millisecond.
 */
const BATCH = 1024 * 1024;

const settle = <T>(start: (done: (error: Error | null, value: T) => void) => void) =>
  new Promise<T>((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value))));

/**
 * Reads `stream` to its end, awaiting `pace` before each chunk is taken, and hashes it. With the native helpers the
 * hashing runs on libuv's thread pool, a batch at a time while the next batch arrives, so that several streams are
 * hashed on several cores and the event loop only moves buffers; without them, here. The stream is destroyed at
 * the end, also when it or `pace` fails.
 */
export async function hashStream(stream: Readable, pace?: Pace): Promise<StoredDigest> {
  try {
    if (!PoolHasher) {
      const hash = createHash('sha256');
      let bytes = 0;
      for await (const chunk of stream) {
        const buffer = chunk as Buffer;
        if (pace) await pace(buffer.length);
        hash.update(buffer);
        bytes += buffer.length;
      }
      return { bytes, sha256: hash.digest('hex') };
    }
    const hasher = new PoolHasher();
    let bytes = 0;
    let batch: Buffer[] = [];
    let batched = 0;
    let inFlight: Promise<void> = Promise.resolve();
    const send = async () => {
      // One update at a time per hasher: the previous batch is hashed before this one starts.
      await inFlight;
      const buffers = batch;
      batch = [];
      batched = 0;
      inFlight = settle<void>((done) => hasher.update(buffers, (error) => done(error, undefined)));
    };
    try {
      for await (const chunk of stream) {
        const buffer = chunk as Buffer;
        if (pace) await pace(buffer.length);
        batch.push(buffer);
        batched += buffer.length;
        bytes += buffer.length;
        if (batched >= BATCH) await send();
      }
      if (batched > 0) await send();
    } finally {
      // Nothing is left running on the pool with the hasher after this call (it is digested, or dropped).
      await inFlight.catch(() => undefined);
    }
    await inFlight;
    return { bytes, sha256: hasher.digest() };
  } finally {
    stream.destroy();
  }
}

/**
 * Reads the `size` bytes of an open file (its size when it was opened) and hashes them on the thread pool, `chunk`
 * bytes per pool call; the bytes never enter JavaScript memory. Needs the native helpers ({@link hashesOnPool}).
 */
export async function hashFile(fd: number, size: number, chunk: number, pace?: Pace): Promise<StoredDigest> {
  const hasher = new PoolHasher!();
  let bytes = 0;
  while (bytes < size) {
    const want = Math.min(chunk, size - bytes);
    if (pace) await pace(want);
    const got = await settle<number>((done) => hasher.readFrom(fd, bytes, want, done));
    bytes += got;
    if (got < want) break; // cut short behind the store's back: what was read is what it holds
  }
  return { bytes, sha256: hasher.digest() };
}

/**
 * A digest kept up as bytes pass by, across several streams in a row (the PATCHes of one upload): each `tap()` is a
 * transform that passes its bytes on unchanged and hashes them in order, on the thread pool with the native helpers
 * (a batch at a time while the next one arrives: at most two batches held), else here. `digest()` once, at the end.
 */
export class RunningDigest {
  /** Bytes hashed so far (each tap's flush waits until its bytes are). */
  bytes = 0;
  private readonly hasher = PoolHasher ? new PoolHasher() : null;
  private readonly hash = PoolHasher ? null : createHash('sha256');
  private batch: Buffer[] = [];
  private batched = 0;
  private inFlight: Promise<void> = Promise.resolve();

  tap(): Transform {
    return new Transform({
      transform: (chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) => {
        this.bytes += chunk.length;
        if (this.hash) {
          this.hash.update(chunk);
          callback(null, chunk);
          return;
        }
        this.batch.push(chunk);
        this.batched += chunk.length;
        if (this.batched < BATCH) callback(null, chunk);
        else this.send().then(() => callback(null, chunk), callback);
      },
      flush: (callback: TransformCallback) => {
        this.send()
          .then(() => this.inFlight)
          .then(() => callback(), callback);
      },
    });
  }

  async digest(): Promise<string> {
    await this.inFlight;
    return this.hasher ? this.hasher.digest() : this.hash!.digest('hex');
  }

  /** Waits for the batch being hashed, then starts hashing the one gathered. */
  private async send(): Promise<void> {
    await this.inFlight;
    if (this.batched === 0 || !this.hasher) return;
    const buffers = this.batch;
    this.batch = [];
    this.batched = 0;
    const hasher = this.hasher;
    this.inFlight = settle<void>((done) => hasher.update(buffers, (error) => done(error, undefined)));
  }
}

/** Bytes read and hashed per pool call by {@link hashPath}. */
const PATH_CHUNK = 4 * 1024 * 1024;

/** Reads a whole file and hashes it: on the thread pool with the native helpers (the bytes never enter JavaScript), else streamed here. */
export async function hashPath(path: string): Promise<StoredDigest> {
  if (!hashesOnPool) return hashStream(createReadStream(path, { highWaterMark: 1 << 20 }));
  const handle = await open(path, 'r');
  try {
    return await hashFile(handle.fd, (await handle.stat()).size, PATH_CHUNK);
  } finally {
    await handle.close();
  }
}

/** The hex SHA-256 of each buffer on its own: on the thread pool with the native helpers, else here. */
export function digestAll(buffers: Buffer[]): Promise<string[]> {
  if (buffers.length === 0) return Promise.resolve([]);
  if (!digestEach) return Promise.resolve(buffers.map((b) => createHash('sha256').update(b).digest('hex')));
  return settle<string[]>((done) => digestEach!(buffers, done));
}

/** True when hashing runs on the thread pool (the native helpers are built). */
export const hashesOnPool = PoolHasher !== null;
