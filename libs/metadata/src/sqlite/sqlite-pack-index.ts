import type { Sha256 } from '@app/contracts';
import type Database from 'better-sqlite3';
import { HoardError } from '@app/contracts';
import type { PackCommit, PackEntry, PackIndex, PackInfo } from '@app/storage';
import { acquireSqlite, type OpenSqlite, releaseSqlite } from './sqlite-connection';
import { mapSqliteError } from './sqlite-errors';

export interface SqlitePackIndexOptions {
  /** Database file (the metadata store's own: the tables come with its migrations). */
  path: string;
  busyTimeoutMs?: number;
}

type EntryRow = [string, string, number, number];
type PackRow = [string, number, number, number, number];

/** Statements of the pack index, prepared once per connection. */
function prepare(db: Database.Database) {
  return {
    upsertPack: db.prepare(
      'INSERT INTO packs (id, size, sealed) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET size = excluded.size, sealed = excluded.sealed',
    ),
    insertEntry: db.prepare(
      'INSERT INTO pack_entries (sha256, pack_id, offset, length) VALUES (?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING',
    ),
    moveEntry: db.prepare('UPDATE pack_entries SET pack_id = ?, offset = ?, length = ? WHERE sha256 = ? AND pack_id = ?'),
    lookup: db.prepare<unknown[], EntryRow>('SELECT sha256, pack_id, offset, length FROM pack_entries WHERE sha256 = ?').raw(),
    lookupMany: db
      .prepare<unknown[], EntryRow>(
        'SELECT sha256, pack_id, offset, length FROM pack_entries WHERE sha256 IN (SELECT value FROM json_each(?))',
      )
      .raw(),
    remove: db.prepare('DELETE FROM pack_entries WHERE sha256 = ?'),
    list: db
      .prepare<unknown[], EntryRow>('SELECT sha256, pack_id, offset, length FROM pack_entries WHERE sha256 > ? ORDER BY sha256 LIMIT ?')
      .raw(),
    packs: db
      .prepare<unknown[], PackRow>(
        `SELECT packs.id, packs.size, packs.sealed, count(pack_entries.sha256), coalesce(sum(pack_entries.length), 0)
         FROM packs LEFT JOIN pack_entries ON pack_entries.pack_id = packs.id GROUP BY packs.id ORDER BY packs.id`,
      )
      .raw(),
    entriesOf: db
      .prepare<unknown[], EntryRow>('SELECT sha256, pack_id, offset, length FROM pack_entries WHERE pack_id = ? ORDER BY offset')
      .raw(),
    dropPack: db.prepare('DELETE FROM packs WHERE id = ?'),
  };
}

const toEntry = ([sha256, packId, offset, length]: EntryRow): PackEntry => ({ sha256: sha256 as Sha256, packId, offset, length });

/**
 * The pack index in the embedded SQLite database: a flush's packs, entries and moves are
 * written in one `BEGIN IMMEDIATE` transaction; dropping a pack removes its entries with it (ON DELETE CASCADE).
 */
export class SqlitePackIndex implements PackIndex {
  private open?: OpenSqlite;
  private sql?: ReturnType<typeof prepare>;
  private commitTx?: (batch: PackCommit) => void;

  constructor(private readonly options: SqlitePackIndexOptions) {}

  /**
   * Opens the database (migrating it, as the metadata store does), on the connection the metadata store of the same
   * file uses in this process (acquireSqlite), and prepares the statements.
   */
  async init(): Promise<void> {
    if (this.open) return;
    let open: OpenSqlite | undefined;
    try {
      open = acquireSqlite(this.options.path, this.options.busyTimeoutMs ?? 5000);
      const db = open.db;
      const sql = prepare(db);
      const commit = db.transaction((batch: PackCommit) => {
        for (const pack of batch.packs) sql.upsertPack.run(pack.id, pack.size, pack.sealed ? 1 : 0);
        for (const e of batch.entries) sql.insertEntry.run(e.sha256, e.packId, e.offset, e.length);
        for (const m of batch.moves ?? []) sql.moveEntry.run(m.packId, m.offset, m.length, m.sha256, m.from);
      });
      this.open = open;
      this.sql = sql;
      this.commitTx = (batch) => commit.immediate(batch);
    } catch (error) {
      if (open) await releaseSqlite(open);
      throw new HoardError('unavailable', `cannot open the pack index ${this.options.path}: ${String(error)}`, { cause: error });
    }
  }

  async commit(batch: PackCommit): Promise<void> {
    this.run(() => this.commitTx!(batch));
  }

  async lookup(sha256: string): Promise<PackEntry | null> {
    const row = this.run((sql) => sql.lookup.get(sha256));
    return row ? toEntry(row) : null;
  }

  async lookupMany(sha256s: string[]): Promise<Map<string, PackEntry>> {
    const rows = sha256s.length === 0 ? [] : this.run((sql) => sql.lookupMany.all(JSON.stringify(sha256s)));
    return new Map(rows.map((row) => [row[0], toEntry(row)]));
  }

  async remove(sha256: string): Promise<boolean> {
    return this.run((sql) => sql.remove.run(sha256).changes > 0);
  }

  async list(after: string, limit: number): Promise<PackEntry[]> {
    return this.run((sql) => sql.list.all(after, limit)).map(toEntry);
  }

  async packs(): Promise<PackInfo[]> {
    return this.run((sql) => sql.packs.all()).map(([id, size, sealed, entries, liveBytes]) => ({
      id,
      size,
      sealed: sealed === 1,
      entries,
      liveBytes,
    }));
  }

  async entriesOf(packId: string): Promise<PackEntry[]> {
    return this.run((sql) => sql.entriesOf.all(packId)).map(toEntry);
  }

  async dropPack(packId: string): Promise<void> {
    this.run((sql) => sql.dropPack.run(packId));
  }

  async close(): Promise<void> {
    const open = this.open;
    this.open = undefined;
    this.sql = undefined;
    if (open) await releaseSqlite(open);
  }

  private run<T>(fn: (sql: ReturnType<typeof prepare>) => T): T {
    if (!this.sql) throw new HoardError('unavailable', 'the pack index is not open');
    try {
      return fn(this.sql);
    } catch (error) {
      return mapSqliteError(error);
    }
  }
}
