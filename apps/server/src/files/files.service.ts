import { Inject, Injectable } from '@nestjs/common';
import {
  BatchResultItem,
  EMPTY_SHA256,
  FileMetadata,
  FileRecord,
  HoardError,
  LIMITS,
  Page,
  RecordFileResponse,
  RecordStatus,
  ROUTES,
  SeenResponse,
} from '@app/contracts';
import { METADATA_STORE, MetadataStore, StoredFile } from '@app/metadata';
import { FileRecordsMapper } from './file-records.mapper';
import { assertFileKinds } from './file-kind.rules';

export interface ListQuery {
  hostname?: string;
  pathPrefix?: string;
  sha256?: string;
  includeDeleted?: boolean;
  at?: Date;
  limit?: number;
  cursor?: string;
}

/** The rules of file records: versions per (hostname, filepath), deletion, listing, and what must be uploaded. */
@Injectable()
export class FilesService {
  constructor(
    @Inject(METADATA_STORE) private readonly metadata: MetadataStore,
    private readonly mapper: FileRecordsMapper,
  ) {}

  /** Records one file; `upload_url` is built by `uploadUrl` (the PutPlace routes use their own). */
  async record(
    file: FileMetadata,
    uploadUrl: (sha256: string) => string = ROUTES.blob,
  ): Promise<{ status: RecordStatus; record: RecordFileResponse }> {
    assertFileKinds([file]);
    const [result] = await this.metadata.recordFiles([file], new Date());
    const available = await this.mapper.availability([result.file.sha256]);
    const required = !available.has(result.file.sha256) && result.file.sha256 !== EMPTY_SHA256;
    return {
      status: result.status,
      record: {
        ...(await this.mapper.toRecord(result.file)),
        upload_required: required,
        upload_url: required ? uploadUrl(result.file.sha256) : null,
      },
    };
  }

  /** Records up to 1,000 files in request order. */
  async recordBatch(files: FileMetadata[]): Promise<BatchResultItem[]> {
    assertFileKinds(files, 'files');
    const normalized = files.map((f) => (/[A-F]/.test(f.sha256) ? { ...f, sha256: f.sha256.toLowerCase() } : f));
    const results = await this.metadata.recordFiles(normalized, new Date());
    const available = await this.mapper.availability(results.map((r) => r.file.sha256));
    return results.map((r, index) => ({
      index,
      id: r.file.id,
      sha256: r.file.sha256,
      status: r.status,
      upload_required: !available.has(r.file.sha256) && r.file.sha256 !== EMPTY_SHA256,
    }));
  }

  /** Confirms unchanged files by record id (see {@link SeenResponse}). */
  async markSeen(hostname: string, ids: string[]): Promise<SeenResponse> {
    const { seen, stale, unavailable } = await this.metadata.markFilesSeen(hostname, [...new Set(ids)], new Date());
    return { seen, stale, upload_required: unavailable };
  }

  async markPathsDeleted(hostname: string, filepaths: string[]): Promise<number> {
    if (filepaths.length === 0) return 0;
    return this.metadata.markPathsDeleted(hostname, [...new Set(filepaths)], new Date());
  }

  /** @throws HoardError validation_failed naming `cursor` when it is not a next_cursor the server made */
  async list(query: ListQuery): Promise<Page<FileRecord>> {
    const page = await this.metadata
      .listFiles({
        hostname: query.hostname,
        pathPrefix: query.pathPrefix,
        sha256: query.sha256,
        includeDeleted: query.includeDeleted ?? false,
        at: query.at,
        limit: query.limit ?? LIMITS.listLimitDefault,
        cursor: query.cursor,
      })
      .catch((err: unknown) => {
        // The store calls a bad cursor a bad request; to a client it is a query field that failed validation.
        if (!(err instanceof HoardError) || err.code !== 'invalid_request' || query.cursor === undefined) throw err;
        throw new HoardError('validation_failed', err.message, {
          details: { fields: [{ field: 'cursor', errors: [err.message] }] },
          cause: err,
        });
      });
    return { items: await this.mapper.toRecords(page.items), next_cursor: page.nextCursor };
  }

  /** @throws HoardError not_found */
  async get(id: string): Promise<FileRecord> {
    return this.mapper.toRecord(await this.stored(id));
  }

  /** Every version at a path, newest first. @throws HoardError not_found when the path was never recorded */
  async history(hostname: string, filepath: string): Promise<FileRecord[]> {
    const versions = await this.metadata.fileHistory(hostname, filepath);
    if (versions.length === 0) throw new HoardError('not_found', `No record of ${filepath} on ${hostname}`);
    return this.mapper.toRecords(versions);
  }

  /** The current version at a path. @throws HoardError not_found */
  async current(hostname: string, filepath: string): Promise<StoredFile> {
    const file = await this.metadata.currentFile(hostname, filepath);
    if (!file) throw new HoardError('not_found', `No current record of ${filepath} on ${hostname}`);
    return file;
  }

  /** @throws HoardError not_found */
  async delete(id: string): Promise<void> {
    if (!(await this.metadata.markFileDeleted(id, new Date()))) throw new HoardError('not_found', `No file record ${id}`);
  }

  async deleteByPrefix(hostname: string, pathPrefix: string): Promise<number> {
    return this.metadata.markPrefixDeleted(hostname, pathPrefix, new Date());
  }

  /** The earliest record of this content, deleted or not. @throws HoardError not_found */
  async epoch(sha256: string): Promise<FileRecord> {
    const file = await this.metadata.epochFile(sha256);
    if (!file) throw new HoardError('not_found', `No file record with content ${sha256}`);
    return this.mapper.toRecord(file);
  }

  private async stored(id: string): Promise<StoredFile> {
    const file = await this.metadata.getFile(id);
    if (!file) throw new HoardError('not_found', `No file record ${id}`);
    return file;
  }
}
