import { FileHasher } from '@hoard/native';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HashingFileSink } from './file-sink';

// Hashing and writing on the thread pool (the native helpers, required in CI) and on the event loop (the fallback).
describe.each([
  ['native', true],
  ['js', false],
])('HashingFileSink (%s)', (_name, useNative) => {
  let dir: string;
  let fd: number;
  const path = () => join(dir, 'out');

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hoard-sink-'));
    fd = openSync(path(), 'wx');
  });
  afterEach(() => {
    try {
      closeSync(fd);
    } catch {
      // closed by the test
    }
    rmSync(dir, { recursive: true, force: true });
  });

  if (useNative) {
    it('has the native helpers to test', () => expect(FileHasher).not.toBeNull());

    it.each([
      ['ends aligned', 2 << 20],
      ['ends mid-block', (2 << 20) + 4097],
    ])(
      'goes on with an earlier sink’s writer on a descriptor opened again for appending, when the first part %s: one digest of both',
      async (_case, firstSize) => {
        const parts = [randomBytes(firstSize), randomBytes((3 << 20) + 5), randomBytes(70_000)];
        let writer: ConstructorParameters<typeof HashingFileSink>[4];
        let sink!: HashingFileSink;
        closeSync(fd);
        for (const part of parts) {
          const appending = openSync(path(), constants.O_WRONLY | constants.O_APPEND);
          try {
            sink = new HashingFileSink(appending, 1 << 20, {}, true, writer);
            await pipeline(Readable.from([part]), sink);
            writer = sink.nativeHasher!;
          } finally {
            closeSync(appending);
          }
        }
        const whole = Buffer.concat(parts);
        expect(sink.digest()).toBe(createHash('sha256').update(whole).digest('hex'));
        expect(readFileSync(path()).equals(whole)).toBe(true);
      },
    );
  }

  it('writes every byte in order and hashes the same bytes, from chunks of every size', async () => {
    const chunks = [0, 1, 7, 65_536, 1, 3 << 20, 12_345].map((n) => randomBytes(n));
    const whole = Buffer.concat(chunks);
    const sink = new HashingFileSink(fd, 1 << 20, { expectedSize: whole.length }, useNative);
    await pipeline(Readable.from(chunks), sink);
    expect(sink.bytes).toBe(whole.length);
    expect(sink.digest()).toBe(createHash('sha256').update(whole).digest('hex'));
    expect(readFileSync(path()).equals(whole)).toBe(true);
  });

  it('gives the digest of nothing for an empty body', async () => {
    const sink = new HashingFileSink(fd, 1 << 20, {}, useNative);
    await pipeline(Readable.from([]), sink);
    expect(sink.digest()).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('refuses a body over maxBytes, or longer or shorter than its declared size, as HashingMeter does', async () => {
    const run = (limits: object, body: Buffer[]) => pipeline(Readable.from(body), new HashingFileSink(fd, 1 << 20, limits, useNative));
    await expect(run({ maxBytes: 10 }, [Buffer.alloc(6), Buffer.alloc(6)])).rejects.toMatchObject({ code: 'payload_too_large' });
    await expect(run({ expectedSize: 5 }, [Buffer.alloc(6)])).rejects.toMatchObject({
      code: 'invalid_request',
      message: expect.stringMatching(/longer/),
    });
    await expect(run({ expectedSize: 7 }, [Buffer.alloc(6)])).rejects.toMatchObject({
      code: 'invalid_request',
      message: expect.stringMatching(/shorter/),
    });
  });

  it('keeps a failed write apart as `failure`', async () => {
    closeSync(fd);
    writeFileSync(join(dir, 'ro'), '');
    fd = openSync(join(dir, 'ro'), 'r');
    const sink = new HashingFileSink(fd, 1 << 20, {}, useNative);
    await expect(pipeline(Readable.from([Buffer.alloc(10)]), sink)).rejects.toMatchObject({ code: 'EBADF' });
    expect(sink.failure).toMatchObject({ code: 'EBADF' });
  });

  it('closes only once a write in flight is over, so that its file is never closed under it', async () => {
    const big = randomBytes(64 << 20);
    const sink = new HashingFileSink(fd, 1 << 20, {}, useNative);
    const closed = new Promise<number>((resolve) => sink.on('close', () => resolve(fstatSync(fd).size)));
    sink.on('error', () => undefined);
    sink.write(big);
    sink.destroy(new Error('the upload was cut'));
    expect(await closed).toBe(big.length);
  });

  it('gathers small chunks into large writes, and writes what it holds when the body ends', async () => {
    const chunks = Array.from({ length: 40 }, () => randomBytes(16 * 1024 + 1)); // 640 KiB in small chunks
    const whole = Buffer.concat(chunks);
    const sink = new HashingFileSink(fd, 1 << 20, {}, useNative);
    const writes = useNative ? jest.spyOn(FileHasher!.prototype, 'write') : null;
    await pipeline(Readable.from(chunks), sink);
    if (writes) {
      expect(writes.mock.calls.map(([buffers]) => (buffers as Buffer[]).length)).toEqual([32, 8]); // 512 KiB, then the rest at the end
      writes.mockRestore();
    }
    expect(readFileSync(path()).equals(whole)).toBe(true);
    expect(sink.digest()).toBe(createHash('sha256').update(whole).digest('hex'));
  });

  if (useNative) {
    it('starts nothing more on the file once destroyed while its last chunks are written', async () => {
      const finish = jest.spyOn(FileHasher!.prototype, 'finish');
      const sink = new HashingFileSink(fd, 1 << 20, {}, useNative);
      sink.on('error', () => undefined);
      const closed = new Promise<void>((resolve) => sink.on('close', () => resolve()));
      sink.end(randomBytes(100 * 1024)); // held, then written by _final
      setImmediate(() => sink.destroy(new Error('the upload was cut')));
      // The stream closes only once the write in flight is over, and that write's end is where a finish would start.
      await closed;
      expect(finish).not.toHaveBeenCalled();
      finish.mockRestore();
    });
  }
});
