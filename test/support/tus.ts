import { DetailedError, Upload } from 'tus-js-client';

/** How one run of a tus-js-client upload ended. */
export interface TusRun {
  /** The upload's URL, once the server created it. */
  url: string | null;
  /** Bytes the client sent in this run (request bodies). */
  sent: number;
  /** The offset this run started from (0 for a new upload). */
  startedAt: number;
  outcome: 'success' | 'aborted' | 'error';
  /** The HTTP status of the failed request, for an error. */
  status?: number;
  /** Its body, for an error. */
  body?: string;
}

export interface TusRunOptions {
  /** Continue this upload (its URL) rather than create one. */
  uploadUrl?: string;
  /** Bytes per PATCH (default: the whole rest in one). */
  chunkSize?: number;
  /**
   * Abort the run once the client has sent this many bytes of the content (the offset counted). Give a chunk size
   * under the content's size for a sure cut: on loopback one PATCH of the whole rest can be sent before the first
   * progress event, and the run then ends in success; with chunks it is cut at the latest when the chunk holding
   * that offset is in.
   */
  abortAt?: number;
  /** Called once the client has sent this many bytes (e.g. to kill the server); the run goes on. */
  onReach?: { at: number; then: () => void };
  /** Upload-Metadata (default: the digest of `data`). */
  metadata?: Record<string, string>;
}

/**
 * One run of tus-js-client (what any tus client does) uploading `data` to a server's `/api/v1/uploads`, without
 * retries: it ends with success, an abort asked by the spec, or the first error.
 */
export function tusUpload(baseUrl: string, key: string, data: Buffer, sha: string, options: TusRunOptions = {}): Promise<TusRun> {
  return new Promise((resolve) => {
    const run: TusRun = { url: options.uploadUrl ?? null, sent: 0, startedAt: -1, outcome: 'error' };
    let reached = false;
    const upload: Upload = new Upload(data, {
      endpoint: `${baseUrl}/api/v1/uploads`,
      uploadUrl: options.uploadUrl ?? null,
      headers: { 'X-API-Key': key },
      metadata: options.metadata ?? { sha256: sha, filename: 'content.bin' },
      chunkSize: options.chunkSize ?? Number.POSITIVE_INFINITY,
      retryDelays: null,
      storeFingerprintForResuming: false,
      removeFingerprintOnSuccess: false,
      onUploadUrlAvailable: () => {
        run.url = upload.url;
      },
      onBeforeRequest: (req) => {
        if (req.getMethod() === 'PATCH' && run.startedAt < 0) run.startedAt = Number(req.getHeader('Upload-Offset'));
      },
      onProgress: (offset) => {
        if (run.startedAt >= 0) run.sent = offset - run.startedAt;
        if (options.onReach && !reached && offset >= options.onReach.at) {
          reached = true;
          options.onReach.then();
        }
        if (options.abortAt !== undefined && offset >= options.abortAt && run.outcome === 'error') {
          run.outcome = 'aborted';
          void upload.abort().then(() => resolve(run));
        }
      },
      onSuccess: () => {
        if (run.startedAt < 0) run.startedAt = data.length;
        run.outcome = 'success';
        resolve(run);
      },
      onError: (error) => {
        if (run.outcome === 'aborted') return;
        const response = (error as DetailedError).originalResponse;
        resolve({ ...run, outcome: 'error', status: response?.getStatus(), body: response?.getBody() });
      },
    });
    upload.start();
  });
}
