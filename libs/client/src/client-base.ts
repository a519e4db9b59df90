import { HttpTransport, TransportRequest, TransportResponse } from './http-transport';
import { BlobDownload, DownloadOptions, HoardClientOptions } from './hoard-client.types';
import { ByteRateLimit } from '@app/contracts';
import { ResumableSettings } from './resumable-upload';
import { RetryPolicy } from './retry-policy';

/** What every group of routes shares: the server's base URL and one transport (connections, key, retries). */
export abstract class ClientBase {
  readonly baseUrl: string;
  protected readonly http: HttpTransport;
  /** What resumable (tus) uploads need: they speak through tus-js-client, not the transport. */
  protected readonly resumable: ResumableSettings;

  constructor(options: HoardClientOptions) {
    const retry = typeof options.retries === 'number' ? { retries: options.retries } : options.retries;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    // One budget for every upload of the client, plain and resumable alike.
    const rateLimit = options.limitRate ? new ByteRateLimit(options.limitRate) : null;
    const settings = {
      baseUrl: this.baseUrl,
      apiKey: options.apiKey,
      userAgent: options.userAgent ?? 'hoard-client',
      retry: new RetryPolicy(retry),
      rateLimit,
    };
    this.resumable = settings;
    this.http = new HttpTransport({ ...settings, connections: options.connections });
  }

  /** Closes pooled connections. */
  close(): Promise<void> {
    return this.http.close();
  }

  /** A streamed download of content (a blob, or a file's current version), with Range and If-None-Match. */
  protected async download(req: TransportRequest, options: DownloadOptions): Promise<BlobDownload> {
    const headers: Record<string, string> = {};
    if (options.range) headers.range = `bytes=${options.range.start}-${options.range.end ?? ''}`;
    if (options.ifNoneMatch) headers['if-none-match'] = options.ifNoneMatch;
    const res = await this.http.send({ ...req, headers, accept: [304] });
    const length = res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : null;
    const range = /\/(\d+)$/.exec(header(res, 'content-range') ?? '');
    const totalSize = range ? Number(range[1]) : res.statusCode === 200 ? length : null;
    return { status: res.statusCode, length, totalSize, etag: header(res, 'etag'), body: res.body };
  }
}

/** A response header's (first) value, or null. */
export function header(res: TransportResponse, name: string): string | null {
  const value = res.headers[name];
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
}
