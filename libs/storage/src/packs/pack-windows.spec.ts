import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Sha256 } from '@app/contracts';
import { collect, interruptedStream, streamOf } from '../testing/blob-bodies';
import { MemoryPackFiles } from '../testing/memory-pack-files';
import type { PackEntry } from './pack-index';
import { packWindows } from './pack-windows';

const PACK = 'ab'.repeat(16);

/** A pack of `bytes`, read back in chunks of `chunk` bytes (the way a file or an S3 body arrives). */
function packOf(bytes: Buffer, chunk: number) {
  const files = new MemoryPackFiles();
  files.bytes.set(PACK, bytes);
  const reads: Array<[number, number]> = [];
  const streams: Readable[] = [];
  files.read = async (_id, offset, length) => {
    reads.push([offset, length]);
    streams.push(streamOf(bytes.subarray(offset, offset + length), chunk));
    return streams[streams.length - 1];
  };
  return { files, reads, streams };
}

const entry = (offset: number, length: number, n = offset): PackEntry => ({
  sha256: n.toString(16).padStart(64, '0') as Sha256,
  packId: PACK,
  offset,
  length,
});

describe('packWindows', () => {
  const bytes = randomBytes(10_000);
  // Out of offset order, with dead bytes between some of them, some across chunk boundaries.
  const entries = [entry(3000, 2500), entry(100, 900), entry(1000, 1000), entry(7000, 3000), entry(5500, 1)];

  it.each([[1], [7], [1000], [64 * 1024]])(
    'hands every entry its bytes in offset order from one read of the span (chunks of %p bytes)',
    async (chunk) => {
      const { files, reads } = packOf(bytes, chunk);
      const windows = await collect(packWindows(files, PACK, entries, 1500));

      expect(reads).toEqual([[100, 9900]]);
      const handed = windows.flatMap((w) => w.entries.map((e, i) => [e.offset, w.bytes[i]] as const));
      expect(handed.map(([offset]) => offset)).toEqual([100, 1000, 3000, 5500, 7000]);
      for (const [offset, got] of handed) {
        const e = entries.find((x) => x.offset === offset)!;
        expect(got.equals(bytes.subarray(e.offset, e.offset + e.length))).toBe(true);
      }
      // Windows close once they hold 1,500 bytes or more.
      expect(windows.map((w) => w.entries.map((e) => e.offset))).toEqual([[100, 1000], [3000], [5500, 7000]]);
      expect(windows.every((w) => w.packId === PACK)).toBe(true);
    },
  );

  it('paces every chunk read, dead bytes included', async () => {
    const { files } = packOf(bytes, 1000);
    const paced: number[] = [];
    await collect(packWindows(files, PACK, entries, 1 << 20, async (n) => void paced.push(n)));
    expect(paced.reduce((a, b) => a + b, 0)).toBe(9900);
    expect(Math.max(...paced)).toBe(1000);
  });

  it('gives the entries past the end of a pack cut short what it still had of them', async () => {
    const { files } = packOf(bytes.subarray(0, 3100), 512);
    const [window] = await collect(packWindows(files, PACK, entries, 1 << 20));
    expect(window.bytes.map((b) => b.length)).toEqual([900, 1000, 100, 0, 0]);
    expect(window.bytes[2].equals(bytes.subarray(3000, 3100))).toBe(true);
  });

  it('gives an entry that shares bytes with the one before it (which the index never makes) none', async () => {
    const { files } = packOf(bytes, 300);
    const [window] = await collect(packWindows(files, PACK, [entry(0, 1000), entry(500, 1000, 1), entry(2000, 10)], 1 << 20));
    expect(window.bytes.map((b) => b.length)).toEqual([1000, 0, 10]);
  });

  it('stops the read when the consumer stops, and throws what the read or the pace threw', async () => {
    const { files, streams } = packOf(bytes, 100);
    for await (const window of packWindows(files, PACK, entries, 1)) {
      expect(window.entries).toHaveLength(1);
      break;
    }
    expect(streams[0].destroyed).toBe(true);

    const stop = new Error('stopped');
    await expect(collect(packWindows(files, PACK, entries, 1, () => Promise.reject(stop)))).rejects.toBe(stop);

    const cut = new MemoryPackFiles();
    const reset = new Error('connection reset');
    cut.read = async () => interruptedStream(bytes, 2500, reset);
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const w of packWindows(cut, PACK, [entry(0, 1000), entry(1000, 1000), entry(2000, 1000)], 1))
          seen.push(w.entries[0].offset);
      })(),
    ).rejects.toBe(reset);
    expect(seen).toEqual([0, 1000]);

    const gone = new MemoryPackFiles();
    await expect(collect(packWindows(gone, PACK, entries, 1))).rejects.toMatchObject({ code: 'not_found' });
  });

  it('reads nothing for no entries, or for entries of no bytes', async () => {
    const { files, reads } = packOf(bytes, 100);
    expect(await collect(packWindows(files, PACK, [], 1))).toEqual([]);
    const [window] = await collect(packWindows(files, PACK, [entry(5, 0)], 1));
    expect(window.bytes).toEqual([Buffer.alloc(0)]);
    expect(reads).toEqual([]);
  });
});
