import { HoardError } from '@app/contracts';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { randomBlob } from '../testing/blob-bodies';
import { writeHashedFile } from './hashed-spool';

describe('writeHashedFile', () => {
  let dir: string;
  const path = () => join(dir, 'spool.1');

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hoard-spool-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the whole body (past the direct-write threshold, with an unaligned tail) and answers its digest and size', async () => {
    const { bytes, sha } = randomBlob(3 * 1024 * 1024 + 123);
    const chunks = [bytes.subarray(0, 70_000), bytes.subarray(70_000, 2_000_000), bytes.subarray(2_000_000)];
    const written = await writeHashedFile(path(), Readable.from(chunks), { expectedSize: bytes.length });
    expect(written).toEqual({ sha256: sha, bytes: bytes.length });
    expect(readFileSync(path()).equals(bytes)).toBe(true);
    expect(statSync(path()).mode & 0o777).toBe(0o600);
  });

  it('refuses a body over the limit or shorter than declared, as an upload by digest does', async () => {
    const over = writeHashedFile(path(), Readable.from([randomBlob(2048).bytes]), { maxBytes: 1024 });
    await expect(over).rejects.toMatchObject({ code: 'payload_too_large' });
    rmSync(path());
    const short = writeHashedFile(path(), Readable.from([randomBlob(100).bytes]), { expectedSize: 200 });
    await expect(short).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('answers a body that fails as an interrupted upload', async () => {
    const chunk = randomBlob(100_000).bytes;
    const body = Readable.from(
      (async function* () {
        yield chunk;
        throw new Error('connection reset');
      })(),
    );
    const error = (await writeHashedFile(path(), body, {}).catch((e: unknown) => e)) as HoardError;
    expect(error).toBeInstanceOf(HoardError);
    expect(error.code).toBe('invalid_request');
  });

  it('never writes over a file that is there, and says the store could not take the body in', async () => {
    writeFileSync(path(), 'kept');
    const error = (await writeHashedFile(path(), Readable.from([Buffer.from('new')]), {}).catch((e: unknown) => e)) as HoardError;
    expect(error.code).toBe('unavailable');
    expect(readFileSync(path(), 'utf8')).toBe('kept');
  });
});
