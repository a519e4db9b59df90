import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { type FileMetadata, HoardError } from '@app/contracts';
import {
  isContentAvailable,
  type BlobEntry,
  type FilePage,
  type FileQuery,
  type KeyRecord,
  type MetadataStore,
  type RecordedFile,
  type SeenOutcome,
  type StoreStats,
  type StoredFile,
} from '../metadata-store';
import { pathPrefixRange } from '../shared/prefix-range';
import { mapSqliteError } from './sqlite-errors';
import { recordSqliteFile } from './sqlite-file-recorder';
import { SqliteFileListing, parseRowId } from './sqlite-file-listing';
import { migrateSqlite } from './sqlite-migrations';
import { type FileRow, fromDate, toBlobEntry, toKeyRecord, toStoredFile } from './sqlite-rows';
import { prepareSqliteStatements, type SqliteStatements } from './sqlite-statements';

export interface SqliteMetadataStoreOptions {
  /** Database file; its directory is created if missing. */
  path: string;
  /** How long a writer waits for another connection's lock before failing with `unavailable` (default 5000). */
  busyTimeoutMs?: number;
}

interface Open {
  db: Database.Database;
  sql: SqliteStatements;
  listing: SqliteFileListing;
  record: (files: FileMetadata[], nowMs: number) => RecordedFile[];
  deletePaths: (hostname: string, filepaths: string[], nowMs: number) => number;
}

/**
 * The embedded metadata store: one SQLite file (WAL) through better-sqlite3. Calls are synchronous underneath,
 * so each write is atomic within the process; writes take the database lock up front (`BEGIN IMMEDIATE`), so a
 * second process on the same file cannot interleave a read-then-write either.
 */
export class SqliteMetadataStore implements MetadataStore {
  readonly kind = 'sqlite';
  private open?: Open;

  constructor(private readonly options: SqliteMetadataStoreOptions) {}

  /** Opens the file, sets WAL and the busy timeout, and migrates the schema. */
  async init(): Promise<void> {
    if (this.open) return;
    try {
      mkdirSync(dirname(this.options.path), { recursive: true });
      const db = new Database(this.options.path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma(`busy_timeout = ${this.options.busyTimeoutMs ?? 5000}`);
      db.pragma('foreign_keys = ON');
      // A batch touches random pages of the digest index: a larger cache and rarer checkpoints keep it fast.
      db.pragma('cache_size = -65536');
      db.pragma('wal_autocheckpoint = 8192');
      migrateSqlite(db);
      const sql = prepareSqliteStatements(db);
      const record = db.transaction((files: FileMetadata[], nowMs: number) => files.map((f) => recordSqliteFile(sql, f, nowMs)));
      const deletePaths = db.transaction((hostname: string, filepaths: string[], nowMs: number) =>
        filepaths.reduce((n, filepath) => n + sql.deletePath.run(nowMs, hostname, filepath).changes, 0),
      );
      this.open = {
        db,
        sql,
        listing: new SqliteFileListing(db),
        record: (files, nowMs) => record.immediate(files, nowMs),
        deletePaths: (hostname, filepaths, nowMs) => deletePaths.immediate(hostname, filepaths, nowMs),
      };
    } catch (error) {
      if (error instanceof HoardError) throw error;
      throw new HoardError('unavailable', `cannot open metadata database ${this.options.path}: ${String(error)}`, {
        cause: error,
      });
    }
  }

  async ping(): Promise<void> {
    this.run((o) => o.sql.ping.get());
  }

  async close(): Promise<void> {
    const open = this.open;
    this.open = undefined;
    open?.db.close();
  }

  async recordFiles(files: FileMetadata[], now: Date): Promise<RecordedFile[]> {
    return this.run((o) => o.record(files, now.getTime()));
  }

  async markFilesSeen(hostname: string, ids: string[], now: Date): Promise<SeenOutcome> {
    const rowIds = ids.map(parseRowId);
    const valid = rowIds.filter((id): id is number => id !== null);
    const rows = valid.length === 0 ? [] : this.run((o) => o.sql.seen.all(now.getTime(), JSON.stringify(valid), hostname));
    const confirmed = rows.length === ids.length ? null : new Set(rows.map((r) => r[0]));
    const stale = confirmed ? ids.filter((_, i) => !confirmed.has(rowIds[i] ?? 0)) : [];
    // Registered and live is the common case; only the others need their digest to decide.
    const absent = new Map<number, number | null>();
    for (const [id, present] of rows) if (present !== 1) absent.set(id, present);
    const unavailable = new Set<number>();
    if (absent.size > 0) {
      for (const [id, sha256] of this.run((o) => o.sql.digestsOf.all(JSON.stringify([...absent.keys()])))) {
        const present = absent.get(id);
        if (!isContentAvailable(sha256, present === null ? null : { deleted_at: now })) unavailable.add(id);
      }
    }
    return {
      seen: rows.length,
      stale,
      unavailable: unavailable.size === 0 ? [] : ids.filter((_, i) => unavailable.has(rowIds[i] ?? 0)),
    };
  }

  async markPathsDeleted(hostname: string, filepaths: string[], now: Date): Promise<number> {
    return this.run((o) => o.deletePaths(hostname, filepaths, now.getTime()));
  }

  async markFileDeleted(id: string, now: Date): Promise<boolean> {
    const rowId = parseRowId(id);
    return rowId !== null && this.run((o) => o.sql.deleteId.run(now.getTime(), rowId).changes > 0);
  }

  async markPrefixDeleted(hostname: string, pathPrefix: string, now: Date): Promise<number> {
    const params = { now: now.getTime(), hostname, ...pathPrefixRange(pathPrefix) };
    return this.run((o) => o.sql.deletePrefix.run(params).changes);
  }

  async getFile(id: string): Promise<StoredFile | null> {
    const rowId = parseRowId(id);
    if (rowId === null) return null;
    return this.run((o) => mapRow(o.sql.byId.get(rowId)));
  }

  async listFiles(query: FileQuery): Promise<FilePage> {
    return this.run((o) => o.listing.list(query));
  }

  async currentFile(hostname: string, filepath: string): Promise<StoredFile | null> {
    return this.run((o) => mapRow(o.sql.currentLive.get(hostname, filepath)));
  }

  async fileHistory(hostname: string, filepath: string): Promise<StoredFile[]> {
    return this.run((o) => o.sql.history.all(hostname, filepath).map(toStoredFile));
  }

  async filesWithContent(sha256: string): Promise<StoredFile[]> {
    return this.run((o) => o.sql.clones.all(sha256.toLowerCase()).map(toStoredFile));
  }

  async epochFile(sha256: string): Promise<StoredFile | null> {
    return this.run((o) => mapRow(o.sql.epoch.get(sha256.toLowerCase())));
  }

  async registerBlob(sha256: string, size: number, now: Date): Promise<void> {
    this.run((o) => o.sql.registerBlob.run(sha256.toLowerCase(), size, now.getTime()));
  }

  async getBlobs(sha256s: string[]): Promise<Map<string, BlobEntry>> {
    const digests = JSON.stringify(sha256s.map((s) => s.toLowerCase()));
    const rows = this.run((o) => o.sql.blobsIn.all(digests));
    return new Map(rows.map((row) => [row.sha256, toBlobEntry(row)]));
  }

  async forgetBlob(sha256: string): Promise<boolean> {
    return this.run((o) => o.sql.forgetBlob.run(sha256.toLowerCase()).changes > 0);
  }

  async markBlobDeleted(sha256: string, now: Date): Promise<boolean> {
    return this.run((o) => o.sql.deleteBlob.run(now.getTime(), sha256.toLowerCase()).changes > 0);
  }

  async createKey(key: KeyRecord): Promise<void> {
    this.run((o) =>
      o.sql.insertKey.run({
        id: key.id,
        name: key.name,
        scopes: JSON.stringify(key.scopes),
        hash: key.hash,
        created_at: key.created_at.getTime(),
        expires_at: fromDate(key.expires_at),
        last_used_at: fromDate(key.last_used_at),
        revoked_at: fromDate(key.revoked_at),
      }),
    );
  }

  async findKeyByHash(hash: string): Promise<KeyRecord | null> {
    const row = this.run((o) => o.sql.keyByHash.get(hash));
    return row ? toKeyRecord(row) : null;
  }

  async getKey(id: string): Promise<KeyRecord | null> {
    const row = this.run((o) => o.sql.keyById.get(id));
    return row ? toKeyRecord(row) : null;
  }

  async listKeys(): Promise<KeyRecord[]> {
    return this.run((o) => o.sql.keys.all().map(toKeyRecord));
  }

  async revokeKey(id: string, now: Date): Promise<boolean> {
    return this.run((o) => o.sql.revokeKey.run(now.getTime(), id).changes > 0);
  }

  async touchKey(id: string, now: Date): Promise<void> {
    this.run((o) => o.sql.touchKey.run(now.getTime(), id));
  }

  async countKeys(): Promise<number> {
    return this.run((o) => o.sql.countKeys.get()!.n);
  }

  async stats(): Promise<StoreStats> {
    return this.run((o) => {
      const files = o.sql.fileStats.get()!;
      const blobs = o.sql.blobStats.get()!;
      return {
        files: files.files,
        hosts: files.hosts,
        blobs: blobs.blobs,
        stored_bytes: blobs.stored,
        logical_bytes: files.logical,
      };
    });
  }

  /** Runs `fn` on the open database, mapping database failures to `HoardError('unavailable')`. */
  private run<T>(fn: (open: Open) => T): T {
    const open = this.open;
    if (!open) throw new HoardError('unavailable', 'metadata store is not open');
    try {
      return fn(open);
    } catch (error) {
      return mapSqliteError(error);
    }
  }
}

function mapRow(row: FileRow | undefined): StoredFile | null {
  return row ? toStoredFile(row) : null;
}
