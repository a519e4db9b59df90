import { Clones, CountResponse, LIMITS, normalizeSha256, ObjectInfo, Page, ROUTES } from '@app/contracts';
import { header } from './client-base';
import { BlobDownload, BodyFactory, ByteRange } from './hoard-client.types';
import { MaintenanceRoutes } from './maintenance-routes';
import type { TransportRequest, TransportResponse } from './transport.types';

/** What a writer says of an object besides its content (API.md: the `X-Hoard-*` headers). */
export interface ObjectPutOptions {
  /** Served back as the object's Content-Type (default `application/octet-stream`). */
  contentType?: string;
  /** The content's digest, when known: the server refuses content that does not have it (`digest_mismatch`). */
  sha256?: string;
  /** The body's length, when known. */
  size?: number;
  /** Seconds until it stops being served; or `expiresAt`. */
  ttlSeconds?: number;
  expiresAt?: Date;
  /** Deleted by its first complete download. */
  deleteAfterDownload?: boolean;
  /** User metadata: names as HTTP header names take them, printable ASCII values, 2 KiB in all. */
  metadata?: Record<string, string>;
}

/** What an object's headers say of it (GET and HEAD). */
export interface ObjectHead {
  size: number | null;
  /** The digest of its content (the ETag, unquoted). */
  sha256: string | null;
  version: number | null;
  contentType: string | null;
  expiresAt: string | null;
  metadata: Record<string, string>;
}

/** A streamed download of an object: its bytes and its headers. */
export type ObjectDownload = BlobDownload & { object: ObjectHead };

export interface ObjectDownloadOptions {
  /** A version other than the current one. */
  version?: number;
  range?: ByteRange;
  ifNoneMatch?: string;
}

/** The query of a bucket's listing. */
export interface ObjectListQuery {
  prefix?: string;
  limit?: number;
  cursor?: string;
}

/** The routes of content by name (`/api/v1/objects`). */
export abstract class ObjectRoutes extends MaintenanceRoutes {
  /**
   * Stores a body as the next version of `bucket`/`key`. A retry sends the body again from the factory: pass
   * `replayable: false` for a body that can be read once (stdin), which is then never sent twice.
   */
  putObject(bucket: string, key: string, body: BodyFactory, options: ObjectPutOptions = {}, replayable = true): Promise<ObjectInfo> {
    return this.http.json({
      method: 'PUT',
      path: ROUTES.object(bucket, key),
      body,
      headers: objectHeaders(options),
      idempotent: replayable,
      what: 'object upload',
    });
  }

  /**
   * Stores the file at `path` (exactly `size` bytes, read through reused buffers) as the next version of
   * `bucket`/`key`. Fails with the file's own error when it cannot be read, and with `digest_mismatch` when it no
   * longer has the digest given in `options.sha256`. Safe to retry: each attempt reads the file again.
   */
  putObjectFile(bucket: string, key: string, path: string, size: number, options: ObjectPutOptions = {}): Promise<ObjectInfo> {
    return this.http.jsonFile(
      { method: 'PUT', path: ROUTES.object(bucket, key), headers: objectHeaders({ ...options, size: undefined }), what: 'object upload' },
      { path, size },
    );
  }

  /** Streams an object (or a version, or a range of it); a `304` when `ifNoneMatch` names its ETag. */
  async getObject(bucket: string, key: string, options: ObjectDownloadOptions = {}): Promise<ObjectDownload> {
    const headers: Record<string, string> = {};
    if (options.range) headers.range = `bytes=${options.range.start}-${options.range.end ?? ''}`;
    if (options.ifNoneMatch) headers['if-none-match'] = options.ifNoneMatch;
    const res = await this.http.send({
      ...this.objectRequest('GET', bucket, key, options.version, 'object download'),
      headers,
      accept: [304],
    });
    const length = res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : null;
    const range = /\/(\d+)$/.exec(header(res, 'content-range') ?? '');
    const totalSize = range ? Number(range[1]) : res.statusCode === 200 ? length : null;
    const object = { ...headOf(res), size: totalSize };
    return { status: res.statusCode, length, totalSize, etag: header(res, 'etag'), body: res.body, object };
  }

  /** An object's headers, without its content; throws `not_found` or `gone`. */
  async headObject(bucket: string, key: string, version?: number): Promise<ObjectHead> {
    return headOf(await this.http.empty(this.objectRequest('HEAD', bucket, key, version, 'object head')));
  }

  /** One page of a bucket's current objects. */
  listObjects(bucket: string, query: ObjectListQuery = {}): Promise<Page<ObjectInfo>> {
    return this.http.json({ method: 'GET', path: ROUTES.objects(bucket), query: { ...query }, what: 'list objects' });
  }

  /** Every current object of a bucket under a prefix, page after page. */
  async *iterateObjects(bucket: string, query: ObjectListQuery = {}): AsyncGenerator<ObjectInfo> {
    let cursor = query.cursor;
    do {
      const page = await this.listObjects(bucket, { ...query, limit: query.limit ?? LIMITS.listLimitMax, cursor });
      yield* page.items;
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
  }

  /** Every version of one object, newest first (deleted and expired ones included). */
  async objectVersions(bucket: string, key: string): Promise<ObjectInfo[]> {
    const page = await this.http.json<Page<ObjectInfo>>({
      method: 'GET',
      path: ROUTES.objects(bucket),
      query: { key, versions: true },
      what: 'object versions',
    });
    return page.items;
  }

  /** Deletes an object (its later GETs answer `gone`). */
  async deleteObject(bucket: string, key: string): Promise<void> {
    await this.http.empty({ method: 'DELETE', path: ROUTES.object(bucket, key), what: 'delete object' });
  }

  /** Deletes every current object of a bucket whose key starts with `prefix` (admin); resolves with how many. */
  async deleteObjectsByPrefix(bucket: string, prefix: string): Promise<number> {
    const res = await this.http.json<CountResponse>({
      method: 'DELETE',
      path: ROUTES.objects(bucket),
      query: { prefix },
      what: 'delete objects',
    });
    return res.deleted;
  }

  /** The current records of hosts (the epoch first) and the objects whose content is this digest. */
  blobClones(sha256: string): Promise<Clones> {
    return this.http.json({ method: 'GET', path: ROUTES.blobFiles(normalizeSha256(sha256)), what: 'clones' });
  }

  private objectRequest(method: 'GET' | 'HEAD', bucket: string, key: string, version: number | undefined, what: string): TransportRequest {
    return { method, path: ROUTES.object(bucket, key), query: { version }, what };
  }
}

/** The headers of an object upload. */
function objectHeaders(options: ObjectPutOptions): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/octet-stream' };
  if (options.size !== undefined) headers['content-length'] = String(options.size);
  if (options.sha256 !== undefined) headers['x-hoard-sha256'] = normalizeSha256(options.sha256);
  if (options.ttlSeconds !== undefined) headers['x-hoard-ttl-seconds'] = String(options.ttlSeconds);
  if (options.expiresAt !== undefined) headers['x-hoard-expires-at'] = options.expiresAt.toISOString();
  if (options.deleteAfterDownload) headers['x-hoard-delete-after-download'] = 'true';
  for (const [name, value] of Object.entries(options.metadata ?? {})) headers[`x-hoard-meta-${name.toLowerCase()}`] = value;
  return headers;
}

/** What an object's answer says of it in its headers. */
function headOf(res: TransportResponse): ObjectHead {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (name.startsWith('x-hoard-meta-') && value !== undefined) metadata[name.slice('x-hoard-meta-'.length)] = String(value);
  }
  const length = header(res, 'content-length');
  const version = header(res, 'x-hoard-version');
  return {
    size: length === null ? null : Number(length),
    sha256: header(res, 'etag')?.replace(/^(W\/)?"|"$/g, '') ?? null,
    version: version === null ? null : Number(version),
    contentType: header(res, 'content-type'),
    expiresAt: header(res, 'x-hoard-expires-at'),
    metadata,
  };
}
