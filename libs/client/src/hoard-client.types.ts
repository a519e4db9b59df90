import { Readable } from 'node:stream';
import { RetryOptions } from './retry-policy';

/** How to reach a Hoard server. */
export interface HoardClientOptions {
  baseUrl: string;
  apiKey?: string;
  /** Retries of transient failures after the first attempt (default 5), or the full retry settings. */
  retries?: number | RetryOptions;
  userAgent?: string;
  /** Parallel connections (default 32). */
  connections?: number;
  /** Bytes per second that content uploads may use in all (default: no limit). */
  limitRate?: number;
}

/** A byte range: `start` to `end` inclusive; `end` omitted means to the end. */
export interface ByteRange {
  start: number;
  end?: number;
}

/** A streamed download. The caller must consume or destroy `body`. */
export interface BlobDownload {
  /** 200, 206 (partial) or 304 (not modified). */
  status: number;
  /** Bytes in this response. */
  length: number | null;
  /** Size of the whole content when the server said it (Content-Range on 206, Content-Length on 200). */
  totalSize: number | null;
  etag: string | null;
  body: Readable;
}

export interface DownloadOptions {
  range?: ByteRange;
  ifNoneMatch?: string;
}

/** The body of an upload: a factory so that a retried request can send the bytes again from the start. */
export type BodyFactory = () => Readable | Buffer;
