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
import { TenantScope } from '../auth/tenant-scope';
import { FileRecordsMapper, toFileRecord } from '../content/file-records.mapper';
import { TenantGate } from '../content/tenant-gate';
import { checkRecordSizes } from './record-sizes';

/** Whether a record's content can be downloaded now, and whether the client must upload it. */
interface ContentAnswer {
  available: boolean;
  upload: boolean;
}

const unique = (digests: Sha256[]) => [...new Set(digests)];

/** Confirmed records read at once to learn their content, for a key the tenant dedup scope hides content from. */
const SEEN_READS_AT_ONCE = 50;

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
    private readonly gate: TenantGate,
  ) {}

  /**
   * Records one file; `upload_url` is built by `uploadUrl` (the PutPlace routes use their own).
   * @throws HoardError validation_failed naming `size` when the content is stored with another size; forbidden for a
   *   host outside the key's tenants
   */
  async record(
    file: FileToRecord,
    uploadUrl: (sha256: string) => string = ROUTES.blob,
    scope: TenantScope = TenantScope.ALL,
  ): Promise<{ status: RecordStatus; record: RecordFileResponse }> {
    const [{ result, state }] = await this.recordSized([file], () => 'size', scope);
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
   * @throws HoardError validation_failed naming `files.<index>.size` for each record whose content is stored with another
   *   size; forbidden when one names a host outside the key's tenants (then none is recorded)
   */
  async recordBatch(files: FileToRecord[], scope: TenantScope = TenantScope.ALL): Promise<BatchResultItem[]> {
    const recorded = await this.recordSized(files, (index) => `files.${index}.size`, scope);
    return recorded.map(({ result, state }, index) => ({
      index,
      id: result.file.id,
      sha256: result.file.sha256,
      status: result.status,
      upload_required: state.upload,
      content_available: state.available,
    }));
  }

  /**
   * Confirms unchanged files by record id (see {@link SeenResponse}). Content the key may not learn of (the tenant
   * dedup scope) must be uploaded, as if absent.
   * @throws HoardError forbidden for a host outside the key's tenants
   */
  async markSeen(hostname: string, ids: string[], scope: TenantScope = TenantScope.ALL): Promise<SeenResponse> {
    scope.checkWrite('host', hostname);
    const { seen, stale, uploadRequired } = await this.records.markFilesSeen(hostname, [...new Set(ids)], new Date());
    if (!this.gate.hides(scope)) return { seen, stale, upload_required: uploadRequired };
    const unfit = new Set([...stale, ...uploadRequired]);
    const confirmedIds = [...new Set(ids)].filter((id) => !unfit.has(id));
    const confirmed: StoredFile[] = [];
    for (let start = 0; start < confirmedIds.length; start += SEEN_READS_AT_ONCE) {
      const files = await Promise.all(confirmedIds.slice(start, start + SEEN_READS_AT_ONCE).map((id) => this.records.getFile(id)));
      for (const file of files) if (file) confirmed.push(file);
    }
    const known = await this.gate.known(
      scope,
      confirmed.map((f) => f.sha256),
    );
    if (known === null) return { seen, stale, upload_required: uploadRequired };
    const hidden = new Set(confirmed.filter((f) => !known.has(f.sha256)).map((f) => f.id));
    const required = new Set([...uploadRequired, ...hidden]);
    return { seen, stale, upload_required: [...new Set(ids)].filter((id) => required.has(id)) };
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
    scope: TenantScope,
  ): Promise<Array<{ result: RecordedFile; state: ContentAnswer }>> {
    for (const file of files) scope.checkWrite('host', file.hostname);
    const digests = unique(files.map((f) => f.sha256));
    // With the tenant dedup scope, content the key's tenants do not hold is answered as absent: its stored size is
    // not checked against the records, nor given to them, and it must be uploaded (which heals a wrong size).
    const [stored, known] = await Promise.all([this.registry.getBlobs(digests), this.gate.known(scope, digests)]);
    const seen = (sha256: Sha256) => known === null || known.has(sha256);
    const before = new Map([...stored].filter(([sha256]) => seen(sha256)));
    checkRecordSizes(files, before, field);
    const results = await this.records.recordFiles(files, new Date());
    const after = await this.collector.touchReferenced(unique(results.map((r) => r.file.sha256)), new Date());
    for (const result of results) {
      const entry = seen(result.file.sha256) ? after.get(result.file.sha256) : undefined;
      if (entry && entry.size !== result.file.size) {
        await this.registry.setFileSizes(entry.sha256, entry.size);
        result.file = { ...result.file, size: entry.size };
      }
    }
    return results.map((result) => {
      const sha256 = result.file.sha256;
      const entry = seen(sha256) ? after.get(sha256) : undefined;
      return { result, state: { available: isContentAvailable(sha256, entry), upload: needsUpload(sha256, entry) } };
    });
  }

  /** @throws HoardError forbidden for a host outside the key's tenants */
  async markPathsDeleted(hostname: string, filepaths: string[], scope: TenantScope = TenantScope.ALL): Promise<number> {
    scope.checkWrite('host', hostname);
    if (filepaths.length === 0) return 0;
    return this.records.markPathsDeleted(hostname, [...new Set(filepaths)], new Date());
  }

  /** @throws HoardError validation_failed naming `cursor` when it is not a next_cursor the server made */
  async list(query: ListQuery, scope: TenantScope = TenantScope.ALL): Promise<Page<FileRecord>> {
    const page = await this.records
      .listFiles({
        hostname: query.hostname,
        hostnames: scope.listed('host'),
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
    return { items: await this.mapper.toRecords(page.items, scope), next_cursor: page.nextCursor };
  }

  /** @throws HoardError not_found (also for a record outside the key's tenants) */
  async get(id: string, scope: TenantScope = TenantScope.ALL): Promise<FileRecord> {
    return this.mapper.toRecord(await this.stored(id, scope), scope);
  }

  /**
   * Every version at a path, newest first.
   * @throws HoardError not_found when the path was never recorded (or is on a host outside the key's tenants)
   */
  async history(hostname: string, filepath: string, scope: TenantScope = TenantScope.ALL): Promise<FileRecord[]> {
    const absent = () => new HoardError('not_found', `No record of ${filepath} on ${hostname}`);
    scope.checkRead('host', hostname, absent);
    const versions = await this.records.fileHistory(hostname, filepath);
    if (versions.length === 0) throw absent();
    return this.mapper.toRecords(versions, scope);
  }

  /** The current version at a path. @throws HoardError not_found (also on a host outside the key's tenants) */
  async current(hostname: string, filepath: string, scope: TenantScope = TenantScope.ALL): Promise<StoredFile> {
    const absent = () => new HoardError('not_found', `No current record of ${filepath} on ${hostname}`);
    scope.checkRead('host', hostname, absent);
    const file = await this.records.currentFile(hostname, filepath);
    if (!file) throw absent();
    return file;
  }

  /** @throws HoardError not_found (also for a record outside the key's tenants) */
  /** Marks a host's record deleted; the record as it was. @throws HoardError not_found */
  async delete(id: string, scope: TenantScope = TenantScope.ALL): Promise<StoredFile> {
    // An object's version is not a file record: it is deleted through the objects' routes.
    const file = await this.stored(id, scope);
    if (!(await this.records.markFileDeleted(id, new Date()))) throw new HoardError('not_found', `No file record ${id}`);
    return file;
  }

  /** @throws HoardError forbidden for a host outside the key's tenants */
  async deleteByPrefix(hostname: string, pathPrefix: string, scope: TenantScope = TenantScope.ALL): Promise<number> {
    scope.checkWrite('host', hostname);
    return this.records.markPrefixDeleted(hostname, pathPrefix, new Date());
  }

  /**
   * The earliest record of this content, deleted or not (for a limited key, the earliest current one under its hosts,
   * when it may read the content). @throws HoardError not_found
   */
  async epoch(sha256: Sha256, scope: TenantScope = TenantScope.ALL): Promise<FileRecord> {
    const absent = () => new HoardError('not_found', `No file record with content ${sha256}`);
    let file: StoredFile | null;
    if (scope.limited) {
      await this.gate.checkReadable(scope, sha256, absent);
      const page = await this.records.listFiles({ hostnames: scope.listed('host'), sha256, includeDeleted: true, limit: 1 });
      file = page.items[0] ?? null;
    } else file = await this.records.epochFile(sha256);
    if (!file) throw absent();
    return this.mapper.toRecord(file, scope);
  }

  /** A host's file record by id (an object's version is none) that the key sees. @throws HoardError not_found */
  private async stored(id: string, scope: TenantScope): Promise<StoredFile> {
    const file = await this.records.getFile(id);
    if (!file || file.namespace !== 'host' || !scope.sees('host', file.hostname)) throw new HoardError('not_found', `No file record ${id}`);
    return file;
  }
}
