/**
 * Cuts a stream of chunks into parts of exactly `partSize` bytes (the last one shorter), holding at most one
 * part's worth of pending bytes.
 */
export class PartAssembler {
  private chunks: Buffer[] = [];
  private pending = 0;

  constructor(private readonly partSize: number) {}

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
