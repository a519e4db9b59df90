import { STAT } from '@hoard/native';
import { FileFingerprint } from './cache-entry';

/** Where each field of a cached fingerprint is: FIELDS int64 per entry. */
export const FP = Object.freeze({ SIZE: 0, MTIME_NS: 1, CTIME_NS: 2, INO: 3, DEV: 4, FIELDS: 5 });

/** Where the fields of a fingerprint, in FP's order, are in a native scan's stat record. */
const NATIVE = [STAT.SIZE, STAT.MTIME_NS, STAT.CTIME_NS, STAT.INO, STAT.DEV];

/**
 * The fingerprints of a directory's cached entries, FP.FIELDS int64 per entry (inode and device with the bits of
 * their unsigned values), and the rules that tell whether a file is the one cached: the same state exactly, or the
 * same file renamed.
 */
export class Fingerprints {
  /** `numbers` as 32-bit words, two per field. */
  private words: Int32Array | null = null;

  constructor(readonly numbers: BigInt64Array) {}

  /** True when entry `i` was cached with exactly this fingerprint. */
  matches(i: number, fp: FileFingerprint): boolean {
    const n = this.numbers;
    const o = i * FP.FIELDS;
    return (
      n[o + FP.SIZE] === fp.size &&
      n[o + FP.MTIME_NS] === fp.mtimeNs &&
      n[o + FP.CTIME_NS] === fp.ctimeNs &&
      same64(n[o + FP.INO], fp.ino) &&
      same64(n[o + FP.DEV], fp.dev)
    );
  }

  /**
   * True when entry `i` was cached with exactly the fingerprint of the native scan's stat record at `words[o]` (its
   * int64 fields as two words each, in this machine's order). Compares words, so that no BigInt is made per file.
   */
  matchesWords(i: number, words: Int32Array, o: number): boolean {
    const w = (this.words ??= new Int32Array(this.numbers.buffer, this.numbers.byteOffset, this.numbers.length * 2));
    const c = i * FP.FIELDS * 2;
    for (let f = 0; f < FP.FIELDS; f++) {
      const at = o + NATIVE[f] * 2;
      if (w[c + f * 2] !== words[at] || w[c + f * 2 + 1] !== words[at + 1]) return false;
    }
    return true;
  }

  /** True when entry `i` has this inode, device, size and mtime: the same file, renamed (a rename changes ctime). */
  sameFile(i: number, fp: FileFingerprint): boolean {
    const n = this.numbers;
    const o = i * FP.FIELDS;
    return (
      n[o + FP.SIZE] === fp.size && n[o + FP.MTIME_NS] === fp.mtimeNs && same64(n[o + FP.INO], fp.ino) && same64(n[o + FP.DEV], fp.dev)
    );
  }

  /** The fingerprint of entry `i`. */
  at(i: number): FileFingerprint {
    const n = this.numbers;
    const o = i * FP.FIELDS;
    return {
      size: n[o + FP.SIZE],
      mtimeNs: n[o + FP.MTIME_NS],
      ctimeNs: n[o + FP.CTIME_NS],
      ino: BigInt.asUintN(64, n[o + FP.INO]),
      dev: BigInt.asUintN(64, n[o + FP.DEV]),
    };
  }
}

/** Inode and device numbers are unsigned 64-bit; SQLite integers and the cache's fields are signed: the same bits. */
export function i64(value: bigint): bigint {
  return BigInt.asIntN(64, value);
}

/** True when a stored signed 64-bit number has the bits of the unsigned `value` (no conversion in the common case). */
function same64(stored: bigint, value: bigint): boolean {
  return stored === value || stored === i64(value);
}
