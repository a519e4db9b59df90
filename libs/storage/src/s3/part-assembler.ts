/**
 * Cuts a stream of chunks into parts of exactly `partSize` bytes (the last one shorter), holding at most one
 * part's worth of pending bytes. `partSize` is a number, or the size of each part by its index from 0.
 */
export class PartAssembler {
  private chunks: Buffer[] = [];
  private pending = 0;
  private readonly sizeOf: (index: number) => number;
  private index = 0;
  private partSize: number;

  constructor(partSize: number | ((index: number) => number)) {
    this.sizeOf = typeof partSize === 'number' ? () => partSize : partSize;
    this.partSize = this.sizeOf(0);
  }

  /** Adds a chunk; returns the parts it completed (usually none, at most a few). */
  push(chunk: Buffer): Buffer[] {
    const full: Buffer[] = [];
    let rest = chunk;
    while (this.pending + rest.length >= this.partSize) {
      const take = this.partSize - this.pending;
      this.chunks.push(rest.subarray(0, take));
      full.push(Buffer.concat(this.chunks, this.partSize));
      rest = rest.subarray(take);
      this.chunks = [];
      this.pending = 0;
      this.partSize = this.sizeOf(++this.index);
    }
    if (rest.length > 0) {
      this.chunks.push(rest);
      this.pending += rest.length;
    }
    return full;
  }

  /** The bytes not yet part of a full part (possibly none), and resets. */
  takeRest(): Buffer {
    const rest = Buffer.concat(this.chunks, this.pending);
    this.chunks = [];
    this.pending = 0;
    return rest;
  }
}
