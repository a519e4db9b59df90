import {
  BatchResponse,
  BatchResultItem,
  CountResponse,
  FileMetadata,
  FileRecord,
  Items,
  LIMITS,
  ListFilesQuery,
  Page,
  RecordFileResponse,
  ROUTES,
  SeenResponse,
} from '@app/contracts';
import { BlobRoutes } from './blob-routes';
import { BlobDownload, DownloadOptions } from './hoard-client.types';

/** The routes of file records (`/api/v1/files`). */
export abstract class FileRoutes extends BlobRoutes {
  /** Records one file; says whether its content must be uploaded. */
  recordFile(file: FileMetadata): Promise<RecordFileResponse> {
    return this.http.json({ method: 'POST', path: ROUTES.files, json: file, idempotent: true, what: 'record file' });
  }

  /** Records up to 1,000 files in one request; results in request order. */
  async recordBatch(files: FileMetadata[]): Promise<BatchResultItem[]> {
    const res = await this.http.json<BatchResponse>({
      method: 'POST',
      path: ROUTES.filesBatch,
      json: { files },
      idempotent: true,
      what: 'record batch',
    });
    return res.results;
  }

  /** `POST /api/v1/files/seen`: confirms unchanged files by record id (up to 1,000 at once). */
  async confirmSeen(hostname: string, ids: string[]): Promise<SeenResponse> {
    return this.http.json<SeenResponse>({
      method: 'POST',
      path: ROUTES.filesSeen,
      json: { hostname, ids },
      idempotent: true,
      what: 'confirm unchanged files',
    });
  }

  /** Marks paths of a host deleted (sent in chunks of 1,000); resolves with the number marked. */
  async markDeleted(hostname: string, filepaths: string[]): Promise<number> {
    let deleted = 0;
    for (let i = 0; i < filepaths.length; i += LIMITS.deletedMax) {
      const res = await this.http.json<CountResponse>({
        method: 'POST',
        path: ROUTES.filesDeleted,
        json: { hostname, filepaths: filepaths.slice(i, i + LIMITS.deletedMax) },
        idempotent: true,
        what: 'record deletions',
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
      method: 'GET',
      path: ROUTES.filesHistory,
      query: { hostname, filepath },
      what: 'history',
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
      method: 'DELETE',
      path: ROUTES.files,
      query: { hostname, path_prefix: pathPrefix },
      what: 'delete files',
    });
    return res.deleted;
  }
}
