import { Inject, Injectable } from '@nestjs/common';
import {
  BatchResultItem,
  FileRecord,
  HoardError,
  LIMITS,
  Page,
  RecordFileResponse,
  RecordStatus,
  ROUTES,
  SeenResponse,
  type Sha256,
} from '@app/contracts';
import {
  BLOB_REGISTRY,
  BlobRegistry,
  CONTENT_COLLECTOR,
  ContentCollector,
  FILE_RECORD_STORE,
  FileRecordStore,
  FileToRecord,
  isContentAvailable,
  needsUpload,
  RecordedFile,
  StoredFile,
} from '@app/metadata';
import { FileRecordsMapper, toFileRecord } from '../content/file-records.mapper';
import { checkRecordSizes } from './record-sizes';

/** Whether a record's content can be downloaded now, and whether the client must upload it. */
interface ContentAnswer {
  available: boolean;
  upload: boolean;
}

const unique = (digests: Sha256[]) => [...new Set(digests)];

export interface ListQuery {
  hostname?: string;
  pathPrefix?: string;
  sha256?: Sha256;
  includeDeleted?: boolean;
  at?: Date;
  limit?: number;
  cursor?: string;
}

/** The rules of file records: versions per (hostname, filepath), deletion, listing, and what must be uploaded. */
@Injectable()
export class FilesService {
  constructor(
    @Inject(FILE_RECORD_STORE) private readonly records: FileRecordStore,
    @Inject(BLOB_REGISTRY) private readonly registry: BlobRegistry,
    @Inject(CONTENT_COLLECTOR) private readonly collector: ContentCollector,
    private readonly mapper: FileRecordsMapper,
  ) {}

  /**
   * Records one file; `upload_url` is built by `uploadUrl` (the PutPlace routes use their own).
   * @throws HoardError validation_failed naming `size` when the content is stored with another size
   */
  async record(
    file: FileToRecord,
    uploadUrl: (sha256: string) => string = ROUTES.blob,
  ): Promise<{ status: RecordStatus; record: RecordFileResponse }> {
    const [{ result, state }] = await this.recordSized([file], () => 'size');
    const required = state.upload;
    return {
      status: result.status,
      record: {
        ...toFileRecord(result.file, state.available),
        upload_required: required,
        upload_url: required ? uploadUrl(result.file.sha256) : null,
      },
    };
  }

  /**
   * Records up to 1,000 files in request order.
   * @throws HoardError validation_failed naming `files.<index>.size` for each record whose content is stored with another size
   */
  async recordBatch(files: FileToRecord[]): Promise<BatchResultItem[]> {
    const recorded = await this.recordSized(files, (index) => `files.${index}.size`);
    return recorded.map(({ result, state }, index) => ({
      index,
      id: result.file.id,
      sha256: result.file.sha256,
      status: result.status,
      upload_required: state.upload,
      content_available: state.available,
    }));
  }

  /** Confirms unchanged files by record id (see {@link SeenResponse}). */
  async markSeen(hostname: string, ids: string[]): Promise<SeenResponse> {
    const { seen, stale, uploadRequired } = await this.records.markFilesSeen(hostname, [...new Set(ids)], new Date());
    return { seen, stale, upload_required: uploadRequired };
  }

  /**
   * Records files whose sizes agree with their content's, and says of each whether its content is available and must
   * be uploaded. A record written while its content was being registered (a race the first check cannot see) gets the
   * content's size afterwards.
   *
   * The answer races garbage collection, so its order matters: the records are written FIRST, and only then is their
   * content read (`touchReferenced`, which also notes the reference for GC's grace). GC marks content before it looks
   * for records, and a marked entry reads as absent: so either this read comes after GC's mark (the answer is then
   * `upload_required: true`), or GC's look comes after these records were written and keeps the content. Content
   * answered "not required" is never removed under its records (see ContentCollector).
   */
  private async recordSized(
    files: FileToRecord[],
    field: (index: number) => string,
  ): Promise<Array<{ result: RecordedFile; state: ContentAnswer }>> {
    const before = await this.registry.getBlobs(unique(files.map((f) => f.sha256)));
    checkRecordSizes(files, before, field);
    const results = await this.records.recordFiles(files, new Date());
    const after = await this.collector.touchReferenced(unique(results.map((r) => r.file.sha256)), new Date());
    for (const result of results) {
      const entry = after.get(result.file.sha256);
      if (entry && entry.size !== result.file.size) {
        await this.registry.setFileSizes(entry.sha256, entry.size);
        result.file = { ...result.file, size: entry.size };
      }
    }
    return results.map((result) => {
      const entry = after.get(result.file.sha256);
      return {
        result,
        state: { available: isContentAvailable(result.file.sha256, entry), upload: needsUpload(result.file.sha256, entry) },
      };
    });
  }

  async markPathsDeleted(hostname: string, filepaths: string[]): Promise<number> {
    if (filepaths.length === 0) return 0;
    return this.records.markPathsDeleted(hostname, [...new Set(filepaths)], new Date());
  }

  /** @throws HoardError validation_failed naming `cursor` when it is not a next_cursor the server made */
  async list(query: ListQuery): Promise<Page<FileRecord>> {
    const page = await this.records
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
    const versions = await this.records.fileHistory(hostname, filepath);
    if (versions.length === 0) throw new HoardError('not_found', `No record of ${filepath} on ${hostname}`);
    return this.mapper.toRecords(versions);
  }

  /** The current version at a path. @throws HoardError not_found */
  async current(hostname: string, filepath: string): Promise<StoredFile> {
    const file = await this.records.currentFile(hostname, filepath);
    if (!file) throw new HoardError('not_found', `No current record of ${filepath} on ${hostname}`);
    return file;
  }

  /** @throws HoardError not_found */
  async delete(id: string): Promise<void> {
    // An object's version is not a file record: it is deleted through the objects' routes.
    await this.stored(id);
    if (!(await this.records.markFileDeleted(id, new Date()))) throw new HoardError('not_found', `No file record ${id}`);
  }

  async deleteByPrefix(hostname: string, pathPrefix: string): Promise<number> {
    return this.records.markPrefixDeleted(hostname, pathPrefix, new Date());
  }

  /** The earliest record of this content, deleted or not. @throws HoardError not_found */
  async epoch(sha256: Sha256): Promise<FileRecord> {
    const file = await this.records.epochFile(sha256);
    if (!file) throw new HoardError('not_found', `No file record with content ${sha256}`);
    return this.mapper.toRecord(file);
  }

  /** A host's file record by id (an object's version is none). @throws HoardError not_found */
  private async stored(id: string): Promise<StoredFile> {
    const file = await this.records.getFile(id);
    if (!file || file.namespace !== 'host') throw new HoardError('not_found', `No file record ${id}`);
    return file;
  }
}
