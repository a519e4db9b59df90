import { Readable } from 'node:stream';
import type {
  BlobDownload,
  DownloadOptions,
  HoardClient,
  PackFile,
  PackFileResult,
  ResumableUploadOptions,
  ResumableUploadResult,
} from '@app/client';
import {
  BatchResultItem,
  EMPTY_SHA256,
  FileMetadata,
  FileRecord,
  HoardError,
  ListFilesQuery,
  PutBlobResponse,
  SeenResponse,
} from '@app/contracts';
import { readSized, recordVersion, sha, Stored } from './fake-records';

/** The routes the CLI's scan and restore speak. */
type Spoken =
  | 'recordBatch'
  | 'confirmSeen'
  | 'missingBlobs'
  | 'putBlobFile'
  | 'putBlobPack'
  | 'putBlobResumable'
  | 'iterateFiles'
  | 'markDeleted'
  | 'getBlob';

/** One request the fake answered: the route and what it was given (digests, paths, ids, or the query). */
export interface FakeCall {
  route: Spoken;
  arg: unknown;
}

/**
 * An in-memory Hoard server behind the client's methods, for unit specs of the CLI's stages: records with versions
 * per (hostname, filepath) as the server keeps them, content by digest (verified as it arrives), confirmations by
 * record id, deletions, listings and downloads. It reads files as the real client does (a file gone or changed in
 * size fails with its own error). Tests can make the next call of a route fail, hold a route until released, refuse
 * one upload of a digest, take content down, or play a server without the pack route.
 */
export class FakeHoardClient implements Pick<HoardClient, Spoken> {
  readonly blobs = new Map<string, Buffer>();
  readonly records: FileRecord[] = [];
  readonly calls: FakeCall[] = [];
  /** Digests whose content was taken down: never available, never accepted. */
  readonly takenDown = new Set<string>();
  /** False plays a server older than `POST /api/v1/blobs/pack`. */
  packRoute = true;
  /** Unfinished resumable uploads, by URL: the bytes the server holds. */
  readonly resumable = new Map<string, { sha256: string; held: Buffer }>();
  /** The next resumable upload breaks off (`unavailable`) once the server holds this many bytes of it. */
  cutResumableAt: number | null = null;
  private readonly failures = new Map<Spoken, Error[]>();
  private readonly refusals = new Map<string, HoardError>();
  private readonly holds = new Map<Spoken, Promise<void>>();

  /** The next call of `route` rejects with `error` (after it was counted in `calls`). */
  failNext(route: Spoken, error: Error): void {
    this.failures.set(route, [...(this.failures.get(route) ?? []), error]);
  }

  /** The next upload of `sha256` (PUT or pack part) is refused with `error`. */
  refuseNext(sha256: string, error: HoardError): void {
    this.refusals.set(sha256, error);
  }

  /** Calls of `route` wait until the returned function is called. */
  hold(route: Spoken): () => void {
    let release!: () => void;
    this.holds.set(route, new Promise<void>((resolve) => (release = resolve)));
    return () => {
      this.holds.delete(route);
      release();
    };
  }

  /** The routes called, in order. */
  routes(): Spoken[] {
    return this.calls.map((c) => c.route);
  }

  /** The current record of a path (deleted or not). */
  current(hostname: string, filepath: string): FileRecord | undefined {
    return this.records.find((r) => r.hostname === hostname && r.filepath === filepath && (r as Stored).current);
  }

  /** Stores content as an earlier upload would have. */
  store(content: Buffer): string {
    const sha256 = sha(content);
    this.blobs.set(sha256, content);
    return sha256;
  }

  async recordBatch(files: FileMetadata[]): Promise<BatchResultItem[]> {
    await this.enter(
      'recordBatch',
      files.map((f) => f.filepath),
    );
    return files.map((file, index) => {
      const { record, created } = this.record(file);
      const available = this.available(file.sha256);
      return {
        index,
        id: record.id,
        sha256: file.sha256,
        status: created ? 'created' : 'unchanged',
        upload_required: this.lacks(file.sha256),
        content_available: available,
      };
    });
  }

  async confirmSeen(hostname: string, ids: string[]): Promise<SeenResponse> {
    await this.enter('confirmSeen', ids);
    const live = (id: string) =>
      this.records.find((r) => r.id === id && (r as Stored).current && r.deleted_at === null && r.hostname === hostname);
    const seen = ids.filter((id) => live(id));
    return { seen: seen.length, stale: ids.filter((id) => !live(id)), upload_required: seen.filter((id) => this.lacks(live(id)!.sha256)) };
  }

  async missingBlobs(digests: string[]): Promise<string[]> {
    await this.enter('missingBlobs', digests);
    return [...new Set(digests)].filter((d) => d !== EMPTY_SHA256 && !this.blobs.has(d));
  }

  async putBlobFile(sha256: string, path: string, size: number): Promise<PutBlobResponse> {
    await this.enter('putBlobFile', sha256);
    return this.accept(sha256, readSized(path, size));
  }

  /**
   * As the tus uploads: continues the upload at `resumeUrl` from the bytes the server holds (a new one when it has
   * none), telling its URL when it makes one; stores the content once every byte is in.
   */
  async putBlobResumable(sha256: string, path: string, size: number, options: ResumableUploadOptions = {}): Promise<ResumableUploadResult> {
    await this.enter('putBlobResumable', sha256);
    const content = readSized(path, size);
    let url = options.resumeUrl ?? null;
    if (!url || !this.resumable.has(url)) {
      url = `fake://uploads/${this.resumable.size + this.calls.length}`;
      this.resumable.set(url, { sha256, held: Buffer.alloc(0) });
      options.onUrl?.(url);
    }
    const upload = this.resumable.get(url)!;
    const resumedFrom = upload.held.length;
    const cut = this.cutResumableAt;
    this.cutResumableAt = null;
    upload.held = content.subarray(0, cut === null ? size : Math.max(cut, resumedFrom));
    options.onProgress?.(upload.held.length, size);
    if (upload.held.length < size) throw new HoardError('unavailable', 'cannot reach the fake server (connection reset)');
    this.resumable.delete(url);
    const stored = this.accept(sha256, upload.held);
    return { sha256: stored.sha256, size: stored.size, resumedFrom, version: null };
  }

  async putBlobPack(files: PackFile[]): Promise<PackFileResult[]> {
    // Errors of fs come from outside the specs' realm: told apart from content by Buffer.isBuffer, not instanceof.
    const read: Array<Buffer | Error> = files.map((f) => {
      try {
        return readSized(f.path, f.size);
      } catch (err) {
        return err as Error;
      }
    });
    const unread = (i: number) => (Buffer.isBuffer(read[i]) ? null : (read[i] as Error));
    const sent = files.filter((_, i) => !unread(i));
    if (sent.length === 0) return files.map((f, i) => ({ sha256: f.sha256, error: unread(i)! }));
    try {
      await this.enter(
        'putBlobPack',
        sent.map((f) => `${f.sha256}=${(read[files.indexOf(f)] as Buffer).toString()}`),
      );
      if (!this.packRoute) throw new HoardError('not_found', 'Cannot POST /api/v1/blobs/pack');
    } catch (err) {
      // As the client does: a server without the route is thrown, any other failure of the request fails its files.
      if (err instanceof HoardError && err.code === 'not_found') throw err;
      return files.map((f, i) => ({ sha256: f.sha256, error: unread(i) ?? (err as Error) }));
    }
    return files.map((f, i) => {
      const error = unread(i);
      if (error) return { sha256: f.sha256, error };
      try {
        return this.accept(f.sha256, read[i] as Buffer);
      } catch (err) {
        return { sha256: f.sha256, error: err as Error };
      }
    });
  }

  async *iterateFiles(query: ListFilesQuery = {}): AsyncGenerator<FileRecord> {
    await this.enter('iterateFiles', query);
    if (query.at !== undefined) throw new Error('the fake server keeps no history by time');
    const prefix = query.path_prefix;
    const under = (path: string) => !prefix || path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
    const found = this.records.filter(
      (r) =>
        (r as Stored).current &&
        (query.include_deleted || r.deleted_at === null) &&
        (!query.hostname || r.hostname === query.hostname) &&
        (!query.sha256 || r.sha256 === query.sha256) &&
        under(r.filepath),
    );
    for (const r of found.sort((a, b) => (a.hostname + '\n' + a.filepath < b.hostname + '\n' + b.filepath ? -1 : 1))) yield this.view(r);
  }

  async markDeleted(hostname: string, filepaths: string[]): Promise<number> {
    await this.enter('markDeleted', filepaths);
    let n = 0;
    for (const path of filepaths) {
      const r = this.current(hostname, path);
      if (r && r.deleted_at === null) {
        r.deleted_at = new Date().toISOString();
        n++;
      }
    }
    return n;
  }

  async getBlob(sha256: string, options: DownloadOptions = {}): Promise<BlobDownload> {
    await this.enter('getBlob', sha256);
    const content = this.blobs.get(sha256);
    if (!content || this.takenDown.has(sha256)) throw new HoardError(content ? 'gone' : 'not_found', `no content ${sha256}`);
    const start = options.range?.start ?? 0;
    if (start >= content.length && start > 0) throw new HoardError('range_not_satisfiable', 'range not satisfiable');
    const body = content.subarray(start);
    return {
      status: start > 0 ? 206 : 200,
      length: body.length,
      totalSize: content.length,
      etag: `"${sha256}"`,
      body: Readable.from([body]),
    };
  }

  private async enter(route: Spoken, arg: unknown): Promise<void> {
    this.calls.push({ route, arg });
    await this.holds.get(route);
    const failure = this.failures.get(route)?.shift();
    if (failure) throw failure;
  }

  private record(file: FileMetadata): { record: Stored; created: boolean } {
    return recordVersion(this.records as Stored[], this.current(file.hostname, file.filepath) as Stored | undefined, file);
  }

  private accept(sha256: string, content: Buffer): PutBlobResponse {
    const refusal = this.refusals.get(sha256);
    if (refusal) {
      this.refusals.delete(sha256);
      throw refusal;
    }
    if (this.takenDown.has(sha256)) throw new HoardError('gone', 'this content was taken down');
    if (sha(content) !== sha256) throw new HoardError('digest_mismatch', 'content does not match its digest');
    const created = !this.blobs.has(sha256);
    this.blobs.set(sha256, content);
    return { sha256, size: content.length, created };
  }

  private available(sha256: string): boolean {
    return sha256 === EMPTY_SHA256 || (this.blobs.has(sha256) && !this.takenDown.has(sha256));
  }

  private lacks(sha256: string): boolean {
    return sha256 !== EMPTY_SHA256 && !this.blobs.has(sha256) && !this.takenDown.has(sha256);
  }

  private view(r: FileRecord): FileRecord {
    const { current: _, ...record } = r as Stored;
    return { ...record, content_available: record.type === 'symlink' || this.available(record.sha256) };
  }
}
