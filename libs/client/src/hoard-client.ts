import {
  BatchResponse,
  BatchResultItem,
  CountResponse,
  CreatedKey,
  CreateKeyRequest,
  FileMetadata,
  FileRecord,
  Items,
  KeyIdentity,
  KeyInfo,
  LIMITS,
  ListFilesQuery,
  MissingResponse,
  Page,
  PackItemResult,
  PutBlobResponse,
  RecordFileResponse,
  ROUTES,
  HoardError,
  ServerInfo,
  Stats,
  normalizeSha256,
  SeenResponse,
} from '@app/contracts';
import { HoardHttpError } from './hoard-http.error';
import { HttpTransport, TransportRequest, TransportResponse } from './http-transport';
import { multipartBody, newBoundary, PackBody } from './multipart-body';
import { BlobDownload, BodyFactory, DownloadOptions, HoardClientOptions } from './hoard-client.types';
import { RetryPolicy } from './retry-policy';

/** A typed client of every route of the Hoard HTTP API (API.md). Errors are HoardError with the contract's codes. */
export class HoardClient {
  readonly baseUrl: string;
  private readonly http: HttpTransport;

  constructor(options: HoardClientOptions) {
    const retry = typeof options.retries === 'number' ? { retries: options.retries } : options.retries;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.http = new HttpTransport({
      baseUrl: this.baseUrl,
      apiKey: options.apiKey,
      userAgent: options.userAgent ?? 'hoard-client',
      retry: new RetryPolicy(retry),
      connections: options.connections,
      limitRate: options.limitRate,
    });
  }

  /** Closes pooled connections. */
  close(): Promise<void> {
    return this.http.close();
  }

  // --- public routes -------------------------------------------------------------------------------------

  health(): Promise<{ status: string }> {
    return this.http.json({ method: 'GET', path: ROUTES.health, auth: false, what: 'health' });
  }

  /**
   * A quick check that a Hoard server answers at the base URL: one `GET /health`, no retries, an answer within
   * `timeoutMs`. Throws `unavailable` naming the URL otherwise (also for a server that is not Hoard).
   */
  async probe(timeoutMs = 2000): Promise<void> {
    let answer: unknown;
    try {
      answer = await this.http.json({ method: 'GET', path: ROUTES.health, auth: false, what: 'server check', deadlineMs: timeoutMs });
    } catch (err) {
      if (err instanceof HoardError && err.code === 'unavailable' && !(err instanceof HoardHttpError)) throw err;
      answer = null;
    }
    if ((answer as { status?: unknown } | null)?.status !== 'ok') {
      throw new HoardError('unavailable', `${this.baseUrl} does not answer as a Hoard server (is the URL right?)`, { details: { url: this.baseUrl } });
    }
  }

  /** Resolves when the server's stores answer; throws `unavailable` otherwise. */
  ready(): Promise<Record<string, unknown>> {
    return this.http.json({ method: 'GET', path: ROUTES.ready, auth: false, what: 'ready' });
  }

  info(): Promise<ServerInfo> {
    return this.http.json({ method: 'GET', path: '/', auth: false, what: 'server info' });
  }

  /** Prometheus text exposition of `/metrics`. */
  async metrics(): Promise<string> {
    const res = await this.http.send({ method: 'GET', path: ROUTES.metrics, auth: false, what: 'metrics' });
    return res.text();
  }

  // --- blobs ---------------------------------------------------------------------------------------------

  /** HEAD of a blob: its size and ETag; throws `not_found` or `gone`. */
  async headBlob(sha256: string): Promise<{ size: number; etag: string | null }> {
    const res = await this.http.empty({ method: 'HEAD', path: ROUTES.blob(normalizeSha256(sha256)), what: 'blob head' });
    return { size: Number(res.headers['content-length'] ?? 0), etag: header(res, 'etag') };
  }

  /** Streams a blob, optionally a range of it. */
  async getBlob(sha256: string, options: DownloadOptions = {}): Promise<BlobDownload> {
    return this.download({ method: 'GET', path: ROUTES.blob(normalizeSha256(sha256)), what: 'blob download' }, options);
  }

  /** Uploads content under its digest; the server verifies it. Safe to retry: the body is re-created. */
  putBlob(sha256: string, body: BodyFactory, size?: number): Promise<PutBlobResponse> {
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
    if (size !== undefined) headers['content-length'] = String(size);
    return this.http.json({ method: 'PUT', path: ROUTES.blob(normalizeSha256(sha256)), body, headers, what: 'blob upload' });
  }

  /**
   * Uploads the file at `path` under its digest: exactly `size` bytes, read through buffers the client reuses.
   * Fails with the file's own error (ENOENT, EACCES, …) when it cannot be read, and with `digest_mismatch` when its
   * size or content is no longer what was hashed. Safe to retry: each attempt reads the file again.
   */
  putBlobFile(sha256: string, path: string, size: number): Promise<PutBlobResponse> {
    return this.http.jsonFile(
      { method: 'PUT', path: ROUTES.blob(normalizeSha256(sha256)), headers: { 'content-type': 'application/octet-stream' }, what: 'blob upload' },
      { path, size },
    );
  }

  /**
   * `POST /api/v1/blobs/pack`: up to 1,000 small blobs in one request, each verified and stored on its own.
   * One result per part, in order: as a PUT answers, or the error that refused that part.
   */
  async putBlobPack(pack: PackBody): Promise<PackItemResult[]> {
    if (pack.count > LIMITS.packMax) throw new RangeError(`a pack holds at most ${LIMITS.packMax} blobs`);
    const body = pack.finish();
    const res = await this.http.json<Items<PackItemResult>>({
      method: 'POST', path: ROUTES.blobsPack, idempotent: true, what: 'blob pack upload', body: () => body,
      headers: { 'content-type': `multipart/form-data; boundary=${pack.boundary}`, 'content-length': String(body.length) },
    });
    return res.items;
  }

  /** The digests the server lacks, in request order; any number of digests (sent in chunks). */
  async missingBlobs(digests: string[]): Promise<string[]> {
    const missing: string[] = [];
    for (let i = 0; i < digests.length; i += LIMITS.missingMax) {
      const res = await this.http.json<MissingResponse>({
        method: 'POST', path: ROUTES.blobsMissing, json: { sha256: digests.slice(i, i + LIMITS.missingMax) },
        idempotent: true, what: 'missing check',
      });
      missing.push(...res.missing);
    }
    return missing;
  }

  /** Every current record whose content is this digest; the first is the epoch. */
  async blobFiles(sha256: string): Promise<FileRecord[]> {
    const res = await this.http.json<Items<FileRecord>>({ method: 'GET', path: ROUTES.blobFiles(normalizeSha256(sha256)), what: 'clones' });
    return res.items;
  }

  /** Removes content now (admin). */
  async deleteBlob(sha256: string): Promise<void> {
    await this.http.empty({ method: 'DELETE', path: ROUTES.blob(normalizeSha256(sha256)), what: 'blob delete' });
  }

  // --- files ---------------------------------------------------------------------------------------------

  /** Records one file; says whether its content must be uploaded. */
  recordFile(file: FileMetadata): Promise<RecordFileResponse> {
    return this.http.json({ method: 'POST', path: ROUTES.files, json: file, idempotent: true, what: 'record file' });
  }

  /** Records up to 1,000 files in one request; results in request order. */
  async recordBatch(files: FileMetadata[]): Promise<BatchResultItem[]> {
    const res = await this.http.json<BatchResponse>({
      method: 'POST', path: ROUTES.filesBatch, json: { files }, idempotent: true, what: 'record batch',
    });
    return res.results;
  }

  /** Marks paths of a host deleted (sent in chunks of 1,000); resolves with the number marked. */
  /** `POST /api/v1/files/seen`: confirms unchanged files by record id (up to 1,000 at once). */
  async confirmSeen(hostname: string, ids: string[]): Promise<SeenResponse> {
    return this.http.json<SeenResponse>({
      method: 'POST', path: ROUTES.filesSeen, json: { hostname, ids }, idempotent: true, what: 'confirm unchanged files',
    });
  }

  async markDeleted(hostname: string, filepaths: string[]): Promise<number> {
    let deleted = 0;
    for (let i = 0; i < filepaths.length; i += LIMITS.deletedMax) {
      const res = await this.http.json<CountResponse>({
        method: 'POST', path: ROUTES.filesDeleted, json: { hostname, filepaths: filepaths.slice(i, i + LIMITS.deletedMax) },
        idempotent: true, what: 'record deletions',
      });
      deleted += res.deleted;
    }
    return deleted;
  }

  /** One page of current records. */
  listFiles(query: ListFilesQuery = {}): Promise<Page<FileRecord>> {
    return this.http.json({ method: 'GET', path: ROUTES.files, query: { ...query }, what: 'list files' });
  }

  /** Every record matching the query, page after page. */
  async *iterateFiles(query: ListFilesQuery = {}): AsyncGenerator<FileRecord> {
    let cursor: string | undefined = query.cursor;
    do {
      const page = await this.listFiles({ ...query, limit: query.limit ?? LIMITS.listLimitMax, cursor });
      yield* page.items;
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
  }

  getFile(id: string): Promise<FileRecord> {
    return this.http.json({ method: 'GET', path: ROUTES.file(id), what: 'get file' });
  }

  /** Every version of a file, newest first. */
  async fileHistory(hostname: string, filepath: string): Promise<FileRecord[]> {
    const res = await this.http.json<Items<FileRecord>>({
      method: 'GET', path: ROUTES.filesHistory, query: { hostname, filepath }, what: 'history',
    });
    return res.items;
  }

  /** Streams the current version's content of a file. */
  fileContent(hostname: string, filepath: string, options: DownloadOptions = {}): Promise<BlobDownload> {
    return this.download({ method: 'GET', path: ROUTES.filesContent, query: { hostname, filepath }, what: 'file content' }, options);
  }

  async deleteFile(id: string): Promise<void> {
    await this.http.empty({ method: 'DELETE', path: ROUTES.file(id), what: 'delete file' });
  }

  /** Marks every current record of a host under a prefix deleted (admin). */
  async deleteFilesByPrefix(hostname: string, pathPrefix: string): Promise<number> {
    const res = await this.http.json<CountResponse>({
      method: 'DELETE', path: ROUTES.files, query: { hostname, path_prefix: pathPrefix }, what: 'delete files',
    });
    return res.deleted;
  }

  // --- keys and stats ------------------------------------------------------------------------------------

  createKey(req: CreateKeyRequest): Promise<CreatedKey> {
    return this.http.json({ method: 'POST', path: ROUTES.keys, json: req, idempotent: false, what: 'create key' });
  }

  async listKeys(): Promise<KeyInfo[]> {
    const res = await this.http.json<KeyInfo[] | Items<KeyInfo>>({ method: 'GET', path: ROUTES.keys, what: 'list keys' });
    return Array.isArray(res) ? res : res.items;
  }

  async revokeKey(id: string): Promise<void> {
    await this.http.empty({ method: 'DELETE', path: ROUTES.key(id), what: 'revoke key' });
  }

  /** The calling key's identity: the way to check a key. */
  me(): Promise<KeyIdentity> {
    return this.http.json({ method: 'GET', path: ROUTES.keysMe, what: 'key check' });
  }

  stats(): Promise<Stats> {
    return this.http.json({ method: 'GET', path: ROUTES.stats, what: 'stats' });
  }

  // --- routes of the PutPlace document -------------------------------------------------------------------

  /** `POST /put_file`: records a file; accepts the API's or that document's field names. */
  putFile(file: FileMetadata | Record<string, unknown>): Promise<RecordFileResponse> {
    return this.http.json({ method: 'POST', path: '/put_file', json: file, idempotent: true, what: 'put_file' });
  }

  /** `POST /upload_file/{sha256}` as a multipart form with the content in field `file`. */
  uploadFile(sha256: string, body: BodyFactory, filename = 'file'): Promise<PutBlobResponse> {
    const digest = normalizeSha256(sha256);
    const boundary = newBoundary();
    return this.http.json({
      method: 'POST', path: ROUTES.legacyUploadUrl(digest), idempotent: true, what: 'upload_file',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: () => multipartBody('file', filename, body(), boundary).body,
    });
  }

  /** `GET /get_file/{sha256}`: the epoch record of a digest. */
  getFileBySha(sha256: string): Promise<FileRecord> {
    return this.http.json({ method: 'GET', path: `/get_file/${normalizeSha256(sha256)}`, what: 'get_file' });
  }

  legacyCreateKey(req: CreateKeyRequest): Promise<CreatedKey> {
    return this.http.json({ method: 'POST', path: '/api_keys', json: req, idempotent: false, what: 'create key' });
  }

  async legacyListKeys(): Promise<KeyInfo[]> {
    const res = await this.http.json<KeyInfo[] | Items<KeyInfo>>({ method: 'GET', path: '/api_keys', what: 'list keys' });
    return Array.isArray(res) ? res : res.items;
  }

  async legacyRevokeKey(id: string): Promise<void> {
    await this.http.empty({ method: 'PUT', path: `/api_keys/${encodeURIComponent(id)}/revoke`, what: 'revoke key' });
  }

  async legacyDeleteKey(id: string): Promise<void> {
    await this.http.empty({ method: 'DELETE', path: `/api_keys/${encodeURIComponent(id)}`, what: 'delete key' });
  }

  private async download(req: TransportRequest, options: DownloadOptions): Promise<BlobDownload> {
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

function header(res: TransportResponse, name: string): string | null {
  const value = res.headers[name];
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
}
