/**
 * A set of paths kept as 53-bit hashes, so that remembering every path of a 100,000-file walk costs a few MB
 * instead of the strings themselves. A collision can make `has` answer true for a path never added; callers use
 * it only where that is harmless (a deletion candidate is checked on disk as well).
 */
export class PathSet {
  private readonly hashes = new Set<number>();

  add(path: string): void {
    this.hashes.add(hash53(path));
  }

  has(path: string): boolean {
    return this.hashes.has(hash53(path));
  }

  delete(path: string): void {
    this.hashes.delete(hash53(path));
  }

  get size(): number {
    return this.hashes.size;
  }
}

/** Two independent 32-bit FNV-1a style hashes folded into a safe integer. */
export function hash53(text: string): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  return (h1 >>> 0) * 0x200000 + ((h2 >>> 0) & 0x1fffff);
}
