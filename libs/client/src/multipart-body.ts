import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

/** A streamed multipart/form-data body with one file field; nothing is buffered whole. */
export interface MultipartBody {
  contentType: string;
  body: Readable;
}

/** Wraps `content` as the single file field `field` of a multipart form. */
export function multipartBody(
  field: string,
  filename: string,
  content: Readable | Buffer,
  boundary = newBoundary(),
): MultipartBody {
  const safeName = filename.replace(/["\r\n\\]/g, '_');
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${safeName}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  async function* parts(): AsyncGenerator<Buffer> {
    yield head;
    if (Buffer.isBuffer(content)) yield content;
    else for await (const chunk of content) yield chunk as Buffer;
    yield tail;
  }
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: Readable.from(parts(), { objectMode: false }) };
}

/** One blob of a pack: its digest names the part. */
export interface PackPart {
  sha256: string;
  content: Buffer;
}

/**
 * The pieces of a multipart/form-data body of several small blobs, one file part each, named by digest: the
 * contents themselves are not copied. A pack only carries small files, up to a bound the caller keeps, and a
 * retry sends the same pieces again.
 */
export function packBody(parts: readonly PackPart[], boundary: string): Buffer[] {
  const pieces: Buffer[] = [];
  for (const part of parts) {
    pieces.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${part.sha256}"; filename="${part.sha256}"\r\n` +
          'Content-Type: application/octet-stream\r\n\r\n',
      ),
      part.content,
      CRLF,
    );
  }
  pieces.push(Buffer.from(`--${boundary}--\r\n`));
  return pieces;
}

const CRLF = Buffer.from('\r\n');

/** A random multipart boundary. */
export function newBoundary(): string {
  return `----hoard${randomBytes(12).toString('hex')}`;
}
