import { HoardError, ROUTES } from '@app/contracts';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { DefaultHttpStack, DetailedError, HttpRequest, HttpStack, Upload } from 'tus-js-client';
import type { ByteRateLimit } from '@app/contracts';
import { describeConnectionError } from './connection-errors';
import { HoardHttpError } from './hoard-http.error';
import type { RetryPolicy } from './retry-policy';
import { throttled } from './throttled-body';

/** How one resumable upload goes: where to continue, and what to be told on the way. */
export interface ResumableUploadOptions {
  /** The upload's URL from an earlier attempt (another run): it continues from the offset the server holds. */
  resumeUrl?: string | null;
  /** Told the upload's URL as soon as the server has made it: remember it to continue after a crash. */
  onUrl?: (url: string) => void;
  /** Bytes of the content sent so far (the offset the upload continued from included), of `size`. */
  onProgress?: (sent: number, size: number) => void;
  /** Bytes per request (default: the rest of the file in one; a cut connection resumes from the server's offset). */
  chunkSize?: number;
}

/** A resumable upload that ended with the content stored. */
export interface ResumableUploadResult {
  /** The digest of the content stored. */
  sha256: string;
  size: number;
  /** The offset this attempt continued from: 0 for an upload that started over. */
  resumedFrom: number;
  /** The object's version it became (an upload named by bucket and key); null for content by digest. */
  version: number | null;
}

/** What a resumable upload needs of the client: where the server is, the key, and how to retry. */
export interface ResumableSettings {
  baseUrl: string;
  apiKey?: string;
  userAgent: string;
  retry: RetryPolicy;
  /** The client's upload rate budget, shared with its other uploads (none: no limit). */
  rateLimit?: ByteRateLimit | null;
}

/** tus-js-client's HTTP for Node, its request bodies paced by the client's upload rate budget. */
class RateLimitedHttpStack implements HttpStack {
  private readonly inner = new DefaultHttpStack({});

  constructor(private readonly limit: ByteRateLimit) {}

  createRequest(method: string, url: string): HttpRequest {
    const request = this.inner.createRequest(method, url);
    const send = request.send.bind(request);
    request.send = (body: unknown) => {
      if (!body || typeof (body as Readable).pipe !== 'function') return send(body);
      // tus-js-client reads the length of a slice from its `size` (Content-Length).
      const paced = Object.assign(throttled(body as Readable, this.limit), { size: (body as { size?: number }).size });
      return send(paced);
    };
    return request;
  }

  getName(): string {
    return 'RateLimitedHttpStack';
  }
}

/**
 * Uploads the file at `path` (its first `size` bytes) through the server's tus uploads (`/api/v1/uploads`, with
 * tus-js-client) as what `metadata` names (`sha256`: content by digest; `bucket` and `key`: an object, with its
 * options): the file is read in slices, never whole. A dropped connection or a server that went away is retried
 * with the client's backoff, each retry continuing from the offset the server holds (`HEAD`); `resumeUrl`
 * continues an upload of an earlier run the same way (an upload the server no longer has is started over).
 * Resolves once the server has verified and stored the content.
 * @throws the file's own error (ENOENT, EACCES, …) when it cannot be read; HoardError `digest_mismatch` when the
 *   bytes sent do not hash to the digest, `unavailable` when the server could not be reached, or what it answered
 */
export function uploadResumable(
  settings: ResumableSettings,
  metadata: Record<string, string>,
  path: string,
  size: number,
  options: ResumableUploadOptions = {},
): Promise<ResumableUploadResult> {
  // tus-js-client reads a file by its path, slice by slice; this stream only names the path and the length.
  const file = createReadStream(path, { start: 0, end: Math.max(0, size - 1), autoClose: true });
  file.on('error', () => undefined);
  return new Promise<ResumableUploadResult>((resolve, reject) => {
    let resumedFrom = -1;
    const upload = new Upload(file as never, {
      endpoint: `${settings.baseUrl}${ROUTES.uploads}`,
      uploadUrl: options.resumeUrl ?? null,
      uploadSize: size,
      metadata,
      headers: { 'User-Agent': settings.userAgent, ...(settings.apiKey ? { 'X-API-Key': settings.apiKey } : {}) },
      chunkSize: options.chunkSize ?? Number.POSITIVE_INFINITY,
      ...(settings.rateLimit ? { httpStack: new RateLimitedHttpStack(settings.rateLimit) } : {}),
      retryDelays: Array.from({ length: settings.retry.retries }, (_, n) => settings.retry.delayMs(n)),
      // The caller keeps the URL (onUrl); tus-js-client keeps nothing of its own.
      storeFingerprintForResuming: false,
      removeFingerprintOnSuccess: false,
      onUploadUrlAvailable: () => {
        if (upload.url) options.onUrl?.(upload.url);
      },
      onBeforeRequest: (req) => {
        if (req.getMethod() === 'PATCH' && resumedFrom < 0) resumedFrom = Number(req.getHeader('Upload-Offset') ?? 0);
      },
      onProgress: (sent) => options.onProgress?.(sent, size),
      onSuccess: ({ lastResponse }) => {
        // The answer that stored the content says what it became.
        const version = lastResponse.getHeader('X-Hoard-Version');
        resolve({
          sha256: lastResponse.getHeader('X-Hoard-Sha256') ?? metadata.sha256 ?? '',
          size,
          resumedFrom: Math.max(0, resumedFrom),
          version: version ? Number(version) : null,
        });
      },
      onError: (error) => reject(uploadError(error, settings.baseUrl)),
    });
    upload.start();
  }).finally(() => file.destroy());
}

/** A tus-js-client failure as the client's errors: the server's answer, the file's own error, or an unreachable server. */
function uploadError(error: Error | DetailedError, baseUrl: string): Error {
  const detailed = error as DetailedError;
  const response = detailed.originalResponse;
  if (response) {
    let body: unknown = null;
    try {
      body = JSON.parse(response.getBody());
    } catch {
      // Not the contract's shape: the status says what it can.
    }
    return HoardHttpError.fromResponse(response.getStatus(), body, 'resumable upload');
  }
  const cause = (detailed as { causingError?: Error }).causingError ?? error;
  if (typeof (cause as NodeJS.ErrnoException).syscall === 'string' && (cause as NodeJS.ErrnoException).path) return cause;
  if (detailed.originalRequest || cause !== error) {
    return new HoardError('unavailable', `cannot reach ${baseUrl} (${describeConnectionError(cause)})`, {
      cause,
      details: { url: baseUrl },
    });
  }
  return cause;
}
