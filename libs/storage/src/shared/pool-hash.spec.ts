import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { interruptedStream, streamOf } from '../testing/blob-bodies';
import { digestAll, hashesOnPool, hashFile, hashStream } from './pool-hash';

const hex = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

// The native helpers are built at install where a compiler is; CI requires them (HOARD_TEST_REQUIRE_NATIVE=1).
const describeNative = hashesOnPool || process.env.HOARD_TEST_REQUIRE_NATIVE === '1' ? describe : describe.skip;

describe('hashStream', () => {
  it.each([
    [0, 1],
    [1, 1],
    [100_000, 7_000],
    [5 * 1024 * 1024 + 3, 64 * 1024],
  ])('hashes %p bytes arriving in chunks of %p as one SHA-256, pacing each chunk', async (size, chunk) => {
    const bytes = randomBytes(size);
    const stream = streamOf(bytes, chunk);
    const paced: number[] = [];
    expect(await hashStream(stream, async (n) => void paced.push(n))).toEqual({ bytes: size, sha256: hex(bytes) });
    expect(paced.reduce((a, b) => a + b, 0)).toBe(size);
    expect(stream.destroyed).toBe(true);
  });

  it('throws what the stream or the pace threw, and destroys the stream', async () => {
    const bytes = randomBytes(3 * 1024 * 1024);
    const reset = new Error('connection reset');
    await expect(hashStream(interruptedStream(bytes, 2 * 1024 * 1024 + 5, reset))).rejects.toBe(reset);

    const stream = streamOf(bytes);
    const stop = new Error('cancelled');
    let calls = 0;
    await expect(hashStream(stream, async () => void (++calls === 20 && (await Promise.reject(stop))))).rejects.toBe(stop);
    expect(stream.destroyed).toBe(true);
  });
});

describe('digestAll', () => {
  it('gives the digest of each buffer on its own, in order', async () => {
    const buffers = [randomBytes(1), Buffer.alloc(0), randomBytes(5000), randomBytes(1024 * 1024)];
    expect(await digestAll(buffers)).toEqual(buffers.map(hex));
    expect(await digestAll([])).toEqual([]);
  });
});

describeNative('hashFile', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hoard-pool-hash-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Hashes a file holding `bytes`, saying it is `size` bytes, in calls of `chunk`. */
  async function hashOf(bytes: Buffer, size: number, chunk: number, pace?: (n: number) => Promise<void>) {
    const path = join(dir, 'blob');
    writeFileSync(path, bytes);
    const fd = openSync(path, 'r');
    try {
      return await hashFile(fd, size, chunk, pace);
    } finally {
      closeSync(fd);
    }
  }

  it('reads the file on the thread pool in calls of `chunk` bytes, pacing each, and hashes it', async () => {
    const bytes = randomBytes(1_000_003);
    const paced: number[] = [];
    expect(await hashOf(bytes, bytes.length, 300_000, async (n) => void paced.push(n))).toEqual({
      bytes: bytes.length,
      sha256: hex(bytes),
    });
    expect(paced).toEqual([300_000, 300_000, 300_000, 100_003]);
  });

  it('reads no more than the size it is given, and stops where a shorter file ends', async () => {
    const bytes = randomBytes(10_000);
    expect(await hashOf(bytes, 4000, 1024)).toEqual({ bytes: 4000, sha256: hex(bytes.subarray(0, 4000)) });
    expect(await hashOf(bytes, 20_000, 4096)).toEqual({ bytes: 10_000, sha256: hex(bytes) });
    expect(await hashOf(Buffer.alloc(0), 0, 4096)).toEqual({ bytes: 0, sha256: hex(Buffer.alloc(0)) });
  });

  it('fails as the read failed, and on what the pace threw', async () => {
    const stop = new Error('cancelled');
    await expect(hashOf(randomBytes(100), 100, 10, () => Promise.reject(stop))).rejects.toBe(stop);
    const fd = openSync(dir, 'r');
    try {
      await expect(hashFile(fd, 10, 10)).rejects.toMatchObject({ code: 'EISDIR', syscall: 'read' });
    } finally {
      closeSync(fd);
    }
  });
});
