import type { Sha256 } from '@app/contracts';
import { EMPTY_SHA256, HoardError, LIMITS } from '@app/contracts';
import { Readable } from 'node:stream';
import { content, drain, ServiceFixture, serviceFixture } from '../testing/service-fixtures';
import { PACK_SLOTS, PackSource } from './pack-upload.service';

/** A pack as the multipart reader gives it: [name, bytes] per part (null bytes: not a file part). */
function packOf(parts: Array<[string, Buffer | null, { truncated?: boolean }?]>, unnamedParts = 0): PackSource & { handedOut: number } {
  return {
    handedOut: 0,
    async next() {
      if (this.handedOut >= parts.length) return null;
      const [name, bytes, flags] = parts[this.handedOut++];
      return { name, file: bytes ? Object.assign(Readable.from([bytes]), flags ?? {}) : null };
    },
    partCount: () => parts.length + unnamedParts,
  };
}

/**
 * Lets every callback, I/O completion and promise job that is ready run (no clock involved). A part's upload claim is
 * committed with the others of its turn, so a part moves on one turn later: 300 parts need several hundred turns.
 */
async function settle(): Promise<void> {
  for (let i = 0; i < 1000; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

describe('PackUploadService', () => {
  let f: ServiceFixture;
  beforeEach(async () => (f = await serviceFixture({ maxBlobBytes: 1000 })));
  afterEach(() => f.close());

  const sut = () => f.packs;
  const read = async (sha: Sha256) => (await drain(await f.blobs.open(await f.blobs.resolve(sha)))).bytes;

  it('stores every part as a PUT would and answers per part in part order, a repeated digest created once', async () => {
    const a = content(10);
    const b = content(1000);
    await f.blobs.put(a.sha, Readable.from([a.bytes]));
    const items = await sut().store(
      packOf([
        [a.sha, a.bytes],
        [b.sha.toUpperCase(), b.bytes],
        [b.sha, b.bytes],
        [EMPTY_SHA256, Buffer.alloc(0)],
      ]),
    );
    expect(items).toEqual([
      { sha256: a.sha, size: 10, created: false },
      { sha256: b.sha, size: 1000, created: true },
      { sha256: b.sha, size: 1000, created: false },
      { sha256: EMPTY_SHA256, size: 0, created: true },
    ]);
    expect((await read(b.sha)).equals(b.bytes)).toBe(true);
    expect(await f.blobs.missing([a.sha, b.sha])).toEqual([]);
  });

  it('refuses a part that does not hash to its name, is not a digest, is over the limit or was taken down, storing the others', async () => {
    const ok = content(20);
    const wrong = content(20);
    const big = content(1500);
    const down = content(30);
    await f.blobs.put(down.sha, Readable.from([down.bytes]));
    await f.blobs.delete(down.sha);
    const items = await sut().store(
      packOf([
        [wrong.sha, ok.bytes],
        ['not-a-digest', ok.bytes],
        [big.sha, big.bytes.subarray(0, 1000), { truncated: true }],
        [down.sha, down.bytes],
        [ok.sha, ok.bytes],
      ]),
    );
    expect(items.map((i) => ('error' in i ? [i.sha256, i.error.code] : [i.sha256, i.size]))).toEqual([
      [wrong.sha, 'digest_mismatch'],
      ['not-a-digest', 'invalid_digest'],
      [big.sha, 'payload_too_large'],
      [down.sha, 'gone'],
      [ok.sha, 20],
    ]);
    expect(items[2]).toEqual({
      sha256: big.sha,
      error: { code: 'payload_too_large', message: 'the part is larger than the limit of 1000 bytes' },
    });
    expect(await f.blobs.missing([wrong.sha, big.sha, down.sha, ok.sha])).toEqual([wrong.sha, big.sha]);
    expect(await Promise.all([wrong.sha, big.sha].map((sha) => f.store.stat(sha)))).toEqual([null, null]);
  });

  it(`stores at most ${LIMITS.packMax} parts and refuses each one after without storing it`, async () => {
    const late = content(10);
    const parts: Array<[string, Buffer]> = Array.from({ length: LIMITS.packMax }, () => [EMPTY_SHA256, Buffer.alloc(0)]);
    const items = await sut().store(packOf([...parts, [late.sha, late.bytes]]));
    expect(items).toHaveLength(LIMITS.packMax + 1);
    expect(items[LIMITS.packMax - 1]).toEqual({ sha256: EMPTY_SHA256, size: 0, created: false });
    expect(items[LIMITS.packMax]).toEqual({
      sha256: late.sha,
      error: { code: 'payload_too_large', message: `a pack carries at most ${LIMITS.packMax} parts: not stored` },
    });
    expect(await f.blobs.missing([late.sha])).toEqual([late.sha]);
  });

  it('answers a pack with a part that is not a file 400, saying in details.items what became of every part', async () => {
    const a = content(10);
    const b = content(12);
    const refusal = await sut()
      .store(
        packOf([
          [a.sha, a.bytes],
          ['note', null],
          [b.sha, b.bytes],
        ]),
      )
      .catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(HoardError);
    expect(refusal).toMatchObject({
      code: 'invalid_request',
      message:
        'Every part of a pack is a file named by its digest, but part 2 ("note") has no file name; the file parts were handled as details.items says',
      details: {
        unnamed_parts: 0,
        items: [
          { sha256: a.sha, size: 10, created: true },
          { sha256: 'note', error: { code: 'invalid_request', message: 'not a file part: not stored' } },
          { sha256: b.sha, size: 12, created: true },
        ],
      },
    });
    expect(await f.blobs.missing([a.sha, b.sha])).toEqual([]);
  });

  it('answers a pack whose body held parts the reader could not name 400, counting them', async () => {
    const a = content(10);
    await expect(sut().store(packOf([[a.sha, a.bytes]], 2))).rejects.toMatchObject({
      code: 'invalid_request',
      details: { unnamed_parts: 2, items: [{ sha256: a.sha, size: 10, created: true }] },
    });
  });

  it("fails the request on an error that is not one part's, reading no further part, once the parts read are stored", async () => {
    const [a, b, c] = [content(10), content(11), content(12)];
    const put = f.store.put.bind(f.store);
    jest.spyOn(f.store, 'put').mockImplementation(async (sha, body, options) => {
      if (sha === b.sha) throw new HoardError('insufficient_storage', 'The blob store is full');
      return put(sha, body, options);
    });
    const pack = packOf([
      [a.sha, a.bytes],
      [b.sha, b.bytes],
      [c.sha, c.bytes],
    ]);
    await expect(sut().store(pack)).rejects.toMatchObject({ code: 'insufficient_storage' });
    expect(pack.handedOut).toBe(2);
    expect(await f.blobs.missing([a.sha, b.sha, c.sha])).toEqual([b.sha, c.sha]);
  });

  it(`stores at most ${PACK_SLOTS} parts at once across all packs, the next one as soon as one is done`, async () => {
    const held: Array<() => void> = [];
    const put = f.store.put.bind(f.store);
    jest.spyOn(f.store, 'put').mockImplementation(async (sha, body, options) => {
      const stored = await put(sha, body, options);
      await new Promise<void>((resolve) => held.push(resolve));
      return stored;
    });
    const packs = [0, 1].map(() => Array.from({ length: 150 }, () => content(8)));
    const answers = packs.map((parts) => sut().store(packOf(parts.map((c): [string, Buffer] => [c.sha, c.bytes]))));
    await settle();
    expect(held).toHaveLength(PACK_SLOTS);
    held.shift()!();
    await settle();
    expect(held).toHaveLength(PACK_SLOTS);
    while (held.length > 0) {
      held.splice(0).forEach((release) => release());
      await settle();
    }
    const items = (await Promise.all(answers)).flat();
    expect(items.filter((i) => 'created' in i && i.created)).toHaveLength(300);
  });
});
