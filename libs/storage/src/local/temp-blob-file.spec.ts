import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBlob } from '../testing/blob-bodies';
import { TempBlobFile, TempFileMismatch } from './temp-blob-file';

describe.each([
  ['native', true],
  ['js', false],
])('TempBlobFile (%s writes)', (_name, native) => {
  let dir: string;
  let umask: number;
  const path = () => join(dir, 'upload.tmp');

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hoard-temp-'));
    umask = process.umask(0o022);
  });
  afterEach(() => {
    process.umask(umask);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Writes `bytes` through the file's sink and returns how many it hashed. */
  async function write(file: TempBlobFile, bytes: Buffer): Promise<number> {
    const sink = file.sink(1 << 20, {});
    await pipeline(Readable.from([bytes]), sink);
    return sink.bytes;
  }

  /** Another writer puts `extra` at `offset` of the file behind the sink's back, as a stray write would. */
  function strayWrite(offset: number, extra: Buffer): void {
    const fd = openSync(path(), 'r+');
    writeSync(fd, extra, 0, extra.length, offset);
    closeSync(fd);
  }

  it('is created 0600 and sealed 0400 whatever the umask, and refuses a second one at the same path', async () => {
    process.umask(0o277);
    const file = await TempBlobFile.create(path(), native);
    expect(statSync(path()).mode & 0o777).toBe(0o600);
    await expect(TempBlobFile.create(path(), native)).rejects.toMatchObject({ code: 'EEXIST' });
    const { bytes, sha } = randomBlob(1000);
    await file.seal(sha, await write(file, bytes), 1 << 20);
    expect(statSync(path()).mode & 0o777).toBe(0o400);
    await file.close();
  });

  it('refuses to seal a file longer than what was hashed', async () => {
    const file = await TempBlobFile.create(path(), native);
    const { bytes, sha } = randomBlob(200_000);
    const hashed = await write(file, bytes);
    strayWrite(bytes.length, Buffer.from('a stray tail'));
    await expect(file.seal(sha, hashed, 0)).rejects.toThrow(
      new TempFileMismatch('the temporary file holds 200012 bytes where 200000 were hashed'),
    );
    await file.close();
  });

  it('reads a small file back and refuses one whose bytes are not what was hashed', async () => {
    const file = await TempBlobFile.create(path(), native);
    const { bytes, sha } = randomBlob(100_000);
    const hashed = await write(file, bytes);
    strayWrite(5000, Buffer.from([bytes[5000] ^ 0xff]));
    await expect(file.seal(sha, hashed, 100_001)).rejects.toBeInstanceOf(TempFileMismatch);
    await file.close();
  });

  it('does not read back a file of rereadBelow bytes or more (its size is still checked)', async () => {
    const file = await TempBlobFile.create(path(), native);
    const { bytes, sha } = randomBlob(100_000);
    const hashed = await write(file, bytes);
    strayWrite(5000, Buffer.from([bytes[5000] ^ 0xff]));
    await expect(file.seal(sha, hashed, 100_000)).resolves.toBeUndefined();
    await file.close();
  });

  it('closes once, however often it is asked, and a sink that never finished is destroyed first', async () => {
    const file = await TempBlobFile.create(path(), native);
    const sink = file.sink(1 << 20, {});
    sink.write(randomBlob(600_000).bytes);
    const closes = [file.close(), file.close()];
    expect(closes[0]).toBe(closes[1]);
    await Promise.all(closes);
    expect(sink.destroyed).toBe(true);
    expect(() => file.sink(1 << 20, {})).toThrow('exactly one sink');
  });
});
