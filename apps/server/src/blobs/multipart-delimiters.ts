import type { Readable } from 'node:stream';

const CR = 0x0d;
const LF = 0x0a;

/**
 * Counts the parts of a multipart body as its bytes go by, from its delimiters (`--boundary` at the start or after
 * CRLF), independently of the parser: the parser skips a part it cannot name (no Content-Disposition) without a
 * word, and this count is how the pack notices.
 */
export class MultipartDelimiters {
  private readonly needle: Buffer;
  private tail = Buffer.alloc(0);
  /** Position in the body of `tail[0]`. */
  private offset = 0;
  private lastMatch = -1;
  private delimiters = 0;

  constructor(boundary: string) {
    this.needle = Buffer.from(`--${boundary}`);
  }

  /** Watches a body stream that another reader consumes. */
  watch(stream: Readable): void {
    stream.on('data', (chunk: Buffer) => this.push(chunk));
  }

  push(chunk: Buffer): void {
    const buf = this.tail.length > 0 ? Buffer.concat([this.tail, chunk]) : chunk;
    for (let i = buf.indexOf(this.needle); i !== -1; i = buf.indexOf(this.needle, i + 1)) {
      const at = this.offset + i;
      if (at <= this.lastMatch) continue;
      this.lastMatch = at;
      if (at === 0 || (i >= 2 && buf[i - 2] === CR && buf[i - 1] === LF)) this.delimiters++;
    }
    const keep = Math.min(buf.length, this.needle.length + 2);
    this.tail = Buffer.from(buf.subarray(buf.length - keep));
    this.offset += buf.length - keep;
  }

  /** Parts seen so far in a complete body: the delimiters less the closing one. */
  get parts(): number {
    return Math.max(0, this.delimiters - 1);
  }
}
