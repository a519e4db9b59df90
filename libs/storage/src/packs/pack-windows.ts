import type { EntryWindow, Pace } from '../content-scan';
import type { PackFiles } from './pack-files';
import type { PackEntry } from './pack-index';

/** The chunks of a stream not consumed yet, as one run of bytes starting at `start` (a pack offset). */
class ChunkRun {
  private chunks: Buffer[] = [];
  /** Where the unconsumed bytes begin in chunks[0]. */
  private head = 0;
  /** Unconsumed bytes. */
  size = 0;

  constructor(public start: number) {}

  get end(): number {
    return this.start + this.size;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  /** Drops the bytes before pack offset `offset` (at most every byte held). */
  skipTo(offset: number): void {
    let n = Math.min(Math.max(0, offset - this.start), this.size);
    this.start += n;
    this.size -= n;
    while (n > 0) {
      const left = this.chunks[0].length - this.head;
      if (n < left) {
        this.head += n;
        return;
      }
      n -= left;
      this.chunks.shift();
      this.head = 0;
    }
  }

  /** The next `n` bytes (at most every byte held): a view when one chunk holds them, else a copy. */
  take(n: number): Buffer {
    n = Math.min(n, this.size);
    const first = this.chunks[0];
    let out: Buffer;
    if (n === 0) out = Buffer.alloc(0);
    else if (first.length - this.head >= n) out = first.subarray(this.head, this.head + n);
    else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      for (let i = 0, from = this.head; filled < n; i++, from = 0) {
        filled += this.chunks[i].copy(out, filled, from, Math.min(this.chunks[i].length, from + n - filled));
      }
    }
    this.skipTo(this.start + n);
    return out;
  }
}

/**
 * Reads `entries` of one pack in one sequential read (see ContentScan.readEntries): one stream from the first
 * entry's offset to the last one's end, the dead bytes between entries read and dropped, each entry's bytes a view
 * of the chunk that holds it (copied only when it spans two). Entries sharing bytes with the one before (which the
 * index never makes) come out empty, for the caller to take as damage and look at again.
 */
export async function* packWindows(
  files: PackFiles,
  packId: string,
  unordered: PackEntry[],
  windowBytes: number,
  pace?: Pace,
): AsyncGenerator<EntryWindow> {
  const entries = [...unordered].sort((a, b) => a.offset - b.offset);
  if (entries.length === 0) return;
  const from = entries[0].offset;
  const end = entries.reduce((max, e) => Math.max(max, e.offset + e.length), from);
  let window: EntryWindow = { packId, entries: [], bytes: [] };
  let windowSize = 0;
  const run = new ChunkRun(from);
  let next = 0;
  /** Moves entry `next` into the window with what the run holds of it; true when the window is full. */
  const place = (): boolean => {
    const entry = entries[next++];
    let bytes: Buffer = Buffer.alloc(0);
    if (entry.offset >= run.start) {
      run.skipTo(entry.offset);
      if (run.start === entry.offset) bytes = run.take(entry.length);
    }
    window.entries.push(entry);
    window.bytes.push(bytes);
    windowSize += entry.length;
    return windowSize >= windowBytes;
  };
  const flush = (): EntryWindow => {
    const full = window;
    window = { packId, entries: [], bytes: [] };
    windowSize = 0;
    return full;
  };

  if (end > from) {
    const stream = await files.read(packId, from, end - from);
    try {
      for await (const chunk of stream) {
        const buffer = chunk as Buffer;
        if (pace) await pace(buffer.length);
        run.push(buffer);
        while (next < entries.length && entries[next].offset + entries[next].length <= run.end) {
          if (place()) yield flush();
        }
      }
    } finally {
      stream.destroy();
    }
  }
  // The pack ended early (or every entry is empty): what is left gets what the pack still had of it.
  while (next < entries.length) if (place()) yield flush();
  if (window.entries.length > 0) yield flush();
}
