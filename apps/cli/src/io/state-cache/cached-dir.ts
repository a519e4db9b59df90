import { CachedFile } from './cache-entry';
import { childPath } from './cache-paths';
import { Fingerprints } from './fingerprints';

/** Bytes of a raw SHA-256 digest. */
export const DIGEST_BYTES = 32;

/**
 * The cached entries of one directory, as one row holds them: parallel arrays indexed by entry. Fingerprints stay
 * in a BigInt64Array and digests as raw bytes; a hex digest or a whole entry is made only when asked for.
 */
export class CachedDir {
  private index: Map<string, number> | null = null;

  constructor(
    readonly dir: string,
    readonly names: string[],
    readonly recordIds: string[],
    /** The fingerprint of each entry, and the rules matching a file against them. */
    readonly fingerprints: Fingerprints,
    private readonly digests: Uint8Array,
  ) {}

  get size(): number {
    return this.names.length;
  }

  /** The entry's position, or -1. */
  indexOf(name: string): number {
    if (!this.index) {
      this.index = new Map();
      for (let i = 0; i < this.names.length; i++) this.index.set(this.names[i], i);
    }
    return this.index.get(name) ?? -1;
  }

  /** The raw digest of entry `i` (a view). */
  digest(i: number): Uint8Array {
    return this.digests.subarray(i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES);
  }

  sha256(i: number): string {
    return Buffer.from(this.digests.buffer, this.digests.byteOffset + i * DIGEST_BYTES, DIGEST_BYTES).toString('hex');
  }

  recordId(i: number): string | null {
    return this.recordIds[i] === '' ? null : this.recordIds[i];
  }

  /** The path of entry `i`. */
  path(i: number): string {
    return childPath(this.dir, this.names[i]);
  }

  entry(i: number): CachedFile {
    return { path: this.path(i), ...this.fingerprints.at(i), sha256: this.sha256(i), recordId: this.recordId(i) };
  }

  /** Every entry, by name (for editing). */
  toMap(): Map<string, CachedFile> {
    const out = new Map<string, CachedFile>();
    for (let i = 0; i < this.names.length; i++) out.set(this.names[i], this.entry(i));
    return out;
  }
}
