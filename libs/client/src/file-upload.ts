import { close, fstat, open, read } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import type { ByteRateLimit } from '@app/contracts';
import { changedSizeError } from './changed-file';
import { NodeAgents, readText, startRequest } from './node-request';

/** A file sent as a request body: exactly `size` bytes, as the file was when it was hashed. */
export interface FileBody {
  path: string;
  size: number;
}

/** What one attempt got back: the status, the headers and the (small, JSON) body as text. */
export interface FileUploadAnswer {
  statusCode: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** A failure of the body rather than of the request (a file gone, unreadable or changed size): never retried. */
export class BodyError extends Error {
  constructor(override readonly cause: unknown) {
    super((cause as Error)?.message ?? String(cause));
    this.name = 'BodyError';
  }
}

/**
 * Read buffers shared by the uploads of one client. A buffer is handed to the socket and taken back only once the
 * socket has written it (the write callback), so no byte in flight is ever overwritten; reusing buffers spares the
 * allocation, the page faults and the garbage collections that a fresh buffer per read costs.
 */
export class ReadBufferPool {
  private readonly free: Buffer[] = [];

  constructor(
    private readonly bufferSize = 1024 * 1024,
    private readonly keep = 64,
  ) {}

  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.bufferSize);
  }

  give(buffer: Buffer): void {
    if (this.free.length < this.keep) this.free.push(buffer);
  }
}

/**
 * One attempt at sending `file` as the body of `method url`, read in order through pooled buffers. Rejects with a
 * BodyError when the file cannot be read or no longer has its size (the request is then aborted, so the server
 * keeps nothing of it), and with the connection's error otherwise.
 */
export function sendFile(
  url: URL,
  method: string,
  headers: Record<string, string>,
  file: FileBody,
  agents: NodeAgents,
  pool: ReadBufferPool,
  limit: ByteRateLimit | null = null,
): Promise<FileUploadAnswer> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let ended = false;
    const finish = (err: unknown, answer?: FileUploadAnswer): void => {
      if (settled) return;
      settled = true;
      // Answered (or failed) before the whole body went out: stop sending; the connection is not reused.
      if (!ended) req.destroy();
      if (err) reject(err);
      else resolve(answer!);
    };
    const req = startRequest(url, method, { ...headers, 'content-length': String(file.size) }, agents);
    req.on('response', (res) => {
      readText(req, res).then(
        (text) => finish(null, { statusCode: res.statusCode ?? 0, headers: res.headers, text }),
        (err: unknown) => finish(err),
      );
    });
    req.on('error', (err) => finish(err));
    const failBody = (err: unknown): void => finish(new BodyError(err));
    open(file.path, 'r', (err, fd) => {
      if (err) return failBody(err);
      let sent = 0;
      const done = (err?: unknown): void => {
        close(fd, () => undefined);
        if (settled) return;
        if (err) return failBody(err);
        ended = true;
        req.end();
      };
      const pump = (): void => {
        if (settled || sent === file.size) return done();
        const buffer = pool.take();
        read(fd, buffer, 0, Math.min(buffer.length, file.size - sent), null, (err, n) => {
          if (err || n === 0 || settled) {
            pool.give(buffer);
            return done(err ?? (n === 0 ? changedSizeError() : undefined));
          }
          sent += n;
          const send = (): void => {
            if (settled) {
              pool.give(buffer);
              return done();
            }
            // The buffer goes back to the pool once the socket has written it (or given up on it).
            const more = req.write(n === buffer.length ? buffer : buffer.subarray(0, n), () => pool.give(buffer));
            if (more) return pump();
            // Until the socket takes more, or the request is over (answered early, or failed).
            const resume = (): void => {
              req.off('drain', resume);
              req.off('close', resume);
              pump();
            };
            req.on('drain', resume);
            req.on('close', resume);
          };
          const wait = limit?.reserve(n) ?? 0;
          if (wait > 0) setTimeout(send, wait);
          else send();
        });
      };
      fstat(fd, (err, st) => {
        if (err) return done(err);
        if (st.size !== file.size) return done(changedSizeError());
        pump();
      });
    });
  });
}
