import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

/** A streamed multipart/form-data body with one file field; nothing is buffered whole. */
export interface MultipartBody {
  contentType: string;
  body: Readable;
}

/** Wraps `content` as the single file field `field` of a multipart form. */
export function multipartBody(field: string, filename: string, content: Readable | Buffer, boundary = newBoundary()): MultipartBody {
  const head = Buffer.from(partHead(boundary, field, filename.replace(/["\r\n\\]/g, '_')));
  const tail = Buffer.from(`\r\n${closing(boundary)}`);
  async function* parts(): AsyncGenerator<Buffer> {
    yield head;
    if (Buffer.isBuffer(content)) yield content;
    else for await (const chunk of content) yield chunk as Buffer;
    yield tail;
  }
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: Readable.from(parts(), { objectMode: false }) };
}

/**
 * The multipart/form-data body of a pack (`POST /api/v1/blobs/pack`), laid out in one buffer sized up front: part
 * headers are written here and each blob's content is read by the caller straight into its place, so a pack of a
 * thousand small files costs one allocation, not thousands. Each part is named by its digest.
 */
export class PackBody {
  readonly boundary = newBoundary();
  private readonly buffer: Buffer;
  private length = 0;
  private added = 0;
  private closed = false;

  /** Room for up to `parts` blobs holding `bytes` bytes of content in all. */
  constructor(parts: number, bytes: number) {
    this.buffer = Buffer.allocUnsafeSlow(parts * (this.head('0'.repeat(64)).length + CRLF.length) + bytes + this.tail().length);
  }

  /** Blobs added so far. */
  get count(): number {
    return this.added;
  }

  /**
   * Appends a blob of `size` bytes: `fill` must write its content into the view it is given (exactly `size` bytes)
   * or throw, in which case nothing is added.
   */
  add(sha256: string, size: number, fill: (target: Buffer) => void): void {
    if (this.closed) throw new Error('the pack body is finished');
    const head = this.head(sha256);
    const start = this.length + head.length;
    if (start + size + CRLF.length + this.tail().length > this.buffer.length) throw new RangeError('the pack body is full');
    fill(this.buffer.subarray(start, start + size));
    this.buffer.write(head, this.length, 'latin1');
    CRLF.copy(this.buffer, start + size);
    this.length = start + size + CRLF.length;
    this.added++;
  }

  /** The whole body, with its closing boundary; nothing can be added after. */
  finish(): Buffer {
    if (!this.closed) {
      this.length += this.buffer.write(this.tail(), this.length, 'latin1');
      this.closed = true;
    }
    return this.buffer.subarray(0, this.length);
  }

  private head(sha256: string): string {
    return partHead(this.boundary, sha256, sha256);
  }

  private tail(): string {
    return closing(this.boundary);
  }
}

/** The headers opening a file part named `field`. */
function partHead(boundary: string, field: string, filename: string): string {
  return (
    `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\n` +
    'Content-Type: application/octet-stream\r\n\r\n'
  );
}

/** The line closing a multipart body. */
function closing(boundary: string): string {
  return `--${boundary}--\r\n`;
}

const CRLF = Buffer.from('\r\n');

/** A random multipart boundary. */
export function newBoundary(): string {
  return `----hoard${randomBytes(12).toString('hex')}`;
}
