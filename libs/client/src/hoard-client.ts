import {
  CreatedKey,
  CreateKeyRequest,
  FileMetadata,
  FileRecord,
  HoardError,
  Items,
  KeyInfo,
  normalizeSha256,
  PutBlobResponse,
  RecordFileResponse,
  ROUTES,
  ServerInfo,
  Stats,
} from '@app/contracts';
import { HoardHttpError } from './hoard-http.error';
import { BodyFactory } from './hoard-client.types';
import { AuditRoutes } from './audit';
import { multipartBody, newBoundary } from './multipart-body';

/**
 * A typed client of every route of the Hoard HTTP API (API.md). Errors are HoardError with the contract's codes.
 * The routes come in groups, each in its own file: blobs (BlobRoutes), file records (FileRoutes), keys (KeyRoutes),
 * maintenance (MaintenanceRoutes), objects (ObjectRoutes), scan runs (ScanRoutes), the audit log (AuditRoutes); here the public routes, stats and the
 * routes of the PutPlace document.
 */
export class HoardClient extends AuditRoutes {
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
      throw new HoardError('unavailable', `${this.baseUrl} does not answer as a Hoard server (is the URL right?)`, {
        details: { url: this.baseUrl },
      });
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
      method: 'POST',
      path: ROUTES.legacyUploadUrl(digest),
      idempotent: true,
      what: 'upload_file',
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
}
