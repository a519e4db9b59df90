import { CachedFile } from './cache-entry';
import { baseName } from './cache-paths';
import { CachedDir, DIGEST_BYTES } from './cached-dir';
import { FP, Fingerprints, i64 } from './fingerprints';

/**
 * A directory's entries as one blob: entry count and text length (uint32 each), the names and record ids as one
 * NUL-separated UTF-8 text, padding to 8 bytes, the fingerprints (FP.FIELDS int64 per entry, at FP's offsets), then
 * the digests (32 bytes per entry). Little-endian, as every platform Node runs on here.
 */
export function encodeDir(entries: CachedFile[]): Buffer {
  const count = entries.length;
  const text = Buffer.from(
    entries.map((e) => baseName(e.path)).join('\0') + '\0' + entries.map((e) => e.recordId ?? '').join('\0'),
    'utf8',
  );
  const numbersAt = align8(8 + text.length);
  const digestsAt = numbersAt + count * FP.FIELDS * 8;
  const out = Buffer.alloc(digestsAt + count * DIGEST_BYTES);
  out.writeUInt32LE(count, 0);
  out.writeUInt32LE(text.length, 4);
  text.copy(out, 8);
  for (let i = 0; i < count; i++) {
    const e = entries[i];
    const o = numbersAt + i * FP.FIELDS * 8;
    out.writeBigInt64LE(e.size, o + FP.SIZE * 8);
    out.writeBigInt64LE(e.mtimeNs, o + FP.MTIME_NS * 8);
    out.writeBigInt64LE(e.ctimeNs, o + FP.CTIME_NS * 8);
    out.writeBigInt64LE(i64(e.ino), o + FP.INO * 8);
    out.writeBigInt64LE(i64(e.dev), o + FP.DEV * 8);
    if (out.write(e.sha256, digestsAt + i * DIGEST_BYTES, DIGEST_BYTES, 'hex') !== DIGEST_BYTES) {
      throw new RangeError(`not a SHA-256 digest: ${e.sha256}`);
    }
  }
  return out;
}

/** The entries of directory `dir` from its blob, as views of it where alignment allows. */
export function decodeDir(dir: string, blob: Buffer): CachedDir {
  const count = blob.readUInt32LE(0);
  const textLength = blob.readUInt32LE(4);
  const parts = count === 0 ? [] : blob.toString('utf8', 8, 8 + textLength).split('\0');
  const numbersAt = align8(8 + textLength);
  // A view needs 8-byte alignment: copy only when the row's buffer does not give it.
  const at = blob.byteOffset + numbersAt;
  const length = count * FP.FIELDS;
  const numbers = at % 8 === 0 ? new BigInt64Array(blob.buffer, at, length) : new BigInt64Array(blob.buffer.slice(at, at + length * 8));
  const digests = new Uint8Array(blob.buffer, at + length * 8, count * DIGEST_BYTES);
  return new CachedDir(dir, parts.slice(0, count), parts.slice(count), new Fingerprints(numbers), digests);
}

function align8(n: number): number {
  return (n + 7) & ~7;
}
