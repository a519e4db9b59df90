import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { StoredCopyCorrupt } from '@app/storage';
import { CorruptReadError, ReadProblem, verifiedRead } from './verified-read';

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Reads what the stream lets through until it ends or fails. */
async function drain(stream: Readable): Promise<{ received: Buffer; error: unknown }> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return { received: Buffer.concat(chunks), error: null };
  } catch (error) {
    return { received: Buffer.concat(chunks), error };
  }
}

describe('verifiedRead', () => {
  const content = randomBytes(300_000);
  const chunks = (data: Buffer) => Readable.from([data.subarray(0, 100_000), data.subarray(100_000, 200_000), data.subarray(200_000)]);
  let problems: Array<[ReadProblem, string]>;
  const sut = (source: Readable, size = content.length) =>
    verifiedRead(source, { sha256: sha(content), size }, async (problem, detail) => void problems.push([problem, detail]));

  beforeEach(() => (problems = []));

  it('passes the exact bytes of the content through', async () => {
    const { received, error } = await drain(sut(chunks(content)));
    expect([error, received.equals(content), problems]).toEqual([null, true, []]);
  });

  it('fails a flipped byte before the last chunk goes out, and says so once', async () => {
    const bad = Buffer.from(content);
    bad[250_000] ^= 1;
    const { received, error } = await drain(sut(chunks(bad)));
    expect(error).toBeInstanceOf(CorruptReadError);
    expect(received.length).toBe(200_000);
    expect(problems).toEqual([['corrupt', `the stored copy hashes to ${sha(bad)}`]]);
  });

  it('fails a short read and a read past the size', async () => {
    const short = await drain(sut(chunks(content.subarray(0, 250_000))));
    expect([(short.error as CorruptReadError).problem, short.received.length]).toEqual(['truncated', 200_000]);
    const long = await drain(sut(chunks(Buffer.concat([content, Buffer.from('x')]))));
    expect((long.error as CorruptReadError).problem).toBe('oversized');
    expect(long.received.length).toBeLessThan(content.length);
    expect(problems.map(([p]) => p)).toEqual(['truncated', 'oversized']);
  });

  it('holds back a one-chunk blob entirely until it is verified', async () => {
    const source = new PassThrough();
    const out = sut(source);
    const seen: Buffer[] = [];
    out.on('data', (chunk: Buffer) => seen.push(chunk));
    source.write(content);
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([]);
    source.end();
    await new Promise((resolve) => out.once('end', resolve));
    expect(Buffer.concat(seen).equals(content)).toBe(true);
  });

  it("calls a store's own finding of bad bytes (a packed entry) corruption, once", async () => {
    const source = new PassThrough();
    const out = sut(source);
    source.destroy(new StoredCopyCorrupt(sha(content), 'hashes to something else'));
    const { received, error } = await drain(out);
    expect([error instanceof CorruptReadError && error.problem, received.length]).toEqual(['corrupt', 0]);
    expect(problems).toEqual([['corrupt', 'hashes to something else']]);
  });

  it('passes an error of the source through without calling it corruption', async () => {
    const source = new PassThrough();
    const out = sut(source);
    source.write(content.subarray(0, 1000));
    source.destroy(new Error('EIO: i/o error, read'));
    const { error } = await drain(out);
    expect(error).toMatchObject({ message: 'EIO: i/o error, read' });
    expect(problems).toEqual([]);
  });
});
