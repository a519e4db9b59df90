import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ByteRange } from '../blob-store';
import { checkRange } from '../shared/byte-range';
import type { PackFiles } from './pack-files';
import type { PackEntry } from './pack-index';

/**
 * The error a full read of a packed entry ends with when the entry's bytes do not hash to its digest (or are short):
 * not one byte of it was sent. A reader treats it as corrupt content (the server quarantines it).
 */
export class StoredCopyCorrupt extends Error {
  constructor(
    readonly sha256: string,
    readonly detail: string,
  ) {
    super(`the stored copy of ${sha256} ${detail}`);
    this.name = 'StoredCopyCorrupt';
  }
}

/**
 * Opens a packed entry. A range is streamed from the pack as it is. A full read takes the entry whole (it is small),
 * hashes it and hands it over in one chunk only when it is exactly the content of its digest; otherwise the stream
 * fails with StoredCopyCorrupt before any byte.
 */
export async function readPackedEntry(files: PackFiles, entry: PackEntry, range?: ByteRange): Promise<Readable> {
  if (range) {
    checkRange(range, entry.length);
    return files.read(entry.packId, entry.offset + range.start, range.end - range.start + 1);
  }
  if (entry.length === 0) return Readable.from([]);
  const bytes = await files.readBytes(entry.packId, entry.offset, entry.length);
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (bytes.length === entry.length && actual === entry.sha256) return Readable.from([bytes]);
  const detail = bytes.length < entry.length ? `ends after ${bytes.length} of ${entry.length} bytes in its pack` : `hashes to ${actual}`;
  const failed = new Readable({ read() {} });
  process.nextTick(() => failed.destroy(new StoredCopyCorrupt(entry.sha256, detail)));
  return failed;
}
