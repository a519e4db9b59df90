import {
  FileRecord,
  HoardError,
  Items,
  LIMITS,
  MissingResponse,
  normalizeSha256,
  PackItemResult,
  PutBlobResponse,
  ROUTES,
} from '@app/contracts';
import { PackFile, PackFileResult, packBody, packResults } from './blob-pack';
import { ClientBase, header } from './client-base';
import { BlobDownload, BodyFactory, DownloadOptions } from './hoard-client.types';
import { ResumableUploadOptions, ResumableUploadResult, uploadResumable } from './resumable-upload';

/** The routes of content by digest (`/api/v1/blobs`). */
export abstract class BlobRoutes extends ClientBase {
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
      {
        method: 'PUT',
        path: ROUTES.blob(normalizeSha256(sha256)),
        headers: { 'content-type': 'application/octet-stream' },
        what: 'blob upload',
      },
      { path, size },
    );
  }

  /**
   * Uploads the file at `path` under its digest through the resumable (tus) uploads: for large files, whose upload
   * must survive dropped connections, a restarted server and a killed client without starting over (see
   * {@link uploadResumable}; `options.resumeUrl` and `options.onUrl` carry an upload from one run to the next).
   */
  putBlobResumable(sha256: string, path: string, size: number, options: ResumableUploadOptions = {}): Promise<ResumableUploadResult> {
    return uploadResumable(this.resumable, { sha256: normalizeSha256(sha256) }, path, size, options);
  }

  /**
   * `POST /api/v1/blobs/pack`: up to 1,000 small files in one request, each read whole into one multipart body (a
   * file that cannot be read is left out) and verified and stored on its own by the server. Resolves with one
   * result per file, in order (see PackFileResult): a failed request fails each file it carried. Nothing is sent
   * when no file could be read. Safe to retry: the body is sent again as it was built.
   * @throws HoardError `not_found` when the server has no pack route (an older server): nothing was stored, and the
   * files can go one by one (`putBlobFile`).
   */
  async putBlobPack(files: PackFile[]): Promise<PackFileResult[]> {
    if (files.length > LIMITS.packMax) throw new RangeError(`a pack holds at most ${LIMITS.packMax} blobs`);
    const { body, sent, unread } = packBody(files);
    if (sent.length === 0) return packResults(files, sent, unread, []);
    const bytes = body.finish();
    let items: PackItemResult[];
    try {
      const res = await this.http.json<Items<PackItemResult>>({
        method: 'POST',
        path: ROUTES.blobsPack,
        idempotent: true,
        what: 'blob pack upload',
        body: () => bytes,
        headers: { 'content-type': `multipart/form-data; boundary=${body.boundary}`, 'content-length': String(bytes.length) },
      });
      items = res.items;
    } catch (err) {
      if (err instanceof HoardError && err.code === 'not_found') throw err;
      return files.map((file, i) => ({ sha256: file.sha256, error: unread.get(i) ?? (err as Error) }));
    }
    return packResults(files, sent, unread, items);
  }

  /** The digests the server lacks, in request order; any number of digests (sent in chunks). */
  async missingBlobs(digests: string[]): Promise<string[]> {
    const missing: string[] = [];
    for (let i = 0; i < digests.length; i += LIMITS.missingMax) {
      const res = await this.http.json<MissingResponse>({
        method: 'POST',
        path: ROUTES.blobsMissing,
        json: { sha256: digests.slice(i, i + LIMITS.missingMax) },
        idempotent: true,
        what: 'missing check',
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
}
