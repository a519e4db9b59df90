import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { normalizeSha256 } from '@app/contracts';
import { describeMetadataStoreContract } from '../testing/metadata-store.contract';
import { at, EMPTY, meta, objectVersion } from '../testing/contract-fixtures';
import { SQLITE_MIGRATIONS } from './sqlite-migrations';
import { describeAuditStoreContract } from '../testing/audit-store.contract';
import { SqliteMetadataStore } from './sqlite-metadata-store';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'hoard-sqlite-'));
}

/** A store on a fresh database file, removed afterwards. */
async function freshStore() {
  const dir = tempDir();
  const sut = new SqliteMetadataStore({ path: join(dir, 'meta.db') });
  await sut.init();
  return {
    sut,
    cleanup: async () => {
      await sut.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describeMetadataStoreContract('sqlite', freshStore);
describeAuditStoreContract('sqlite', freshStore);

describe('SqliteMetadataStore', () => {
  let dir: string;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps data across close and reopen', async () => {
    const path = join(dir, 'nested', 'meta.db');
    const first = new SqliteMetadataStore({ path });
    await first.init();
    const [recorded] = await first.recordFiles([meta('/a', 'one')], at(1));
    await first.registerBlob(recorded.file.sha256, 3, at(1));
    await first.close();

    const sut = new SqliteMetadataStore({ path });
    await sut.init();
    expect(await sut.getFile(recorded.file.id)).toEqual(recorded.file);
    expect((await sut.stats()).blobs).toBe(1);
    const [again] = await sut.recordFiles([meta('/a', 'two')], at(2));
    expect(again.file.version).toBe(2);
    await sut.close();
  });

  it("reads GC's marks left by a run before a restart, and again once a run marks after all were removed", async () => {
    const path = join(dir, 'meta.db');
    const sha = normalizeSha256('c'.repeat(64));
    const first = new SqliteMetadataStore({ path });
    await first.init();
    await first.registerBlob(sha, 3, at(1));
    expect(await first.condemn([sha], 'run-1', at(2))).toEqual([sha]);
    await first.close();
    const sut = new SqliteMetadataStore({ path });
    await sut.init();
    expect((await sut.claimUpload(sha, at(3))).marked).toBe(true);
    await sut.revert([sha], 'run-1');
    expect((await sut.claimUpload(sha, at(4))).marked).toBe(false);
    await sut.condemn([sha], 'run-2', at(5));
    expect((await sut.claimUpload(sha, at(6))).marked).toBe(true);
    await sut.close();
  });

  it('creates the schema in an empty database file and records the schema version', async () => {
    const path = join(dir, 'meta.db');
    new Database(path).close();
    const sut = new SqliteMetadataStore({ path });
    await sut.init();
    await sut.ping();
    await sut.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SQLITE_MIGRATIONS.length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('page_size', { simple: true })).toBe(8192);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['api_keys', 'blobs', 'files']));
    db.close();
  });

  it('keeps the page size of a database an older version created', async () => {
    const path = join(dir, 'meta.db');
    const old = new Database(path);
    old.pragma('journal_mode = WAL');
    old.exec('CREATE TABLE kept (x INTEGER)');
    old.close();
    const sut = new SqliteMetadataStore({ path });
    await sut.init();
    await sut.ping();
    await sut.close();
    const db = new Database(path, { readonly: true });
    expect([db.pragma('page_size', { simple: true }), db.pragma('user_version', { simple: true })]).toEqual([
      4096,
      SQLITE_MIGRATIONS.length,
    ]);
    db.close();
  });

  it('moves last_seen_at of a version-1 database into files_seen, keeping every record as it was', async () => {
    const path = join(dir, 'meta.db');
    const old = new Database(path);
    old.exec(SQLITE_MIGRATIONS[0]);
    old.pragma('user_version = 1');
    const insert = old.prepare(
      `INSERT INTO files (hostname, filepath, version, sha256, size, mode, uid, gid, mtime, atime, ctime, ip_address,
         first_seen_at, last_seen_at, deleted_at, is_current) VALUES (?, ?, ?, ?, 3, 420, 0, 0, 1.5, 1.5, 1.5, NULL, ?, ?, NULL, ?)`,
    );
    insert.run('h', '/a', 1, 'a'.repeat(64), 1000, 2000, 0);
    insert.run('h', '/a', 2, 'b'.repeat(64), 3000, 4000, 1);
    old.close();

    const sut = new SqliteMetadataStore({ path });
    await sut.init();
    const history = await sut.fileHistory('h', '/a');
    expect(history.map((f) => [f.version, f.sha256[0], f.first_seen_at.getTime(), f.last_seen_at.getTime()])).toEqual([
      [2, 'b', 3000, 4000],
      [1, 'a', 1000, 2000],
    ]);
    // Confirming refreshes it; recording the same digest again does too.
    expect(await sut.markFilesSeen('h', [history[0].id], at(9))).toMatchObject({ seen: 1, stale: [] });
    expect((await sut.getFile(history[0].id))!.last_seen_at).toEqual(at(9));
    await sut.close();
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('files')).not.toContain('last_seen_at');
    db.close();
  });

  it('reads the records of a version-2 database as files; a symlink recorded at the same path is a new version', async () => {
    const path = join(dir, 'meta.db');
    const old = new Database(path);
    old.exec(SQLITE_MIGRATIONS[0]);
    old.exec(SQLITE_MIGRATIONS[1]);
    old.pragma('user_version = 2');
    old
      .prepare(
        `INSERT INTO files (hostname, filepath, version, sha256, size, first_seen_at, deleted_at, is_current)
       VALUES ('h', '/l', 1, ?, 0, 1000, NULL, 1)`,
      )
      .run(EMPTY);
    old.prepare('INSERT INTO files_seen (id, last_seen_at) VALUES (1, 1000)').run();
    old.close();

    const sut = new SqliteMetadataStore({ path });
    await sut.init();
    expect(await sut.currentFile('h', '/l')).toMatchObject({ version: 1, type: 'file', link_target: null });
    const [link] = await sut.recordFiles(
      [{ hostname: 'h', filepath: '/l', sha256: EMPTY, size: 0, type: 'symlink', link_target: 't' }],
      at(5),
    );
    expect(link).toMatchObject({ status: 'created', file: { version: 2, type: 'symlink', link_target: 't' } });
    await sut.close();
  });

  it('refuses a database written by a newer schema', async () => {
    const path = join(dir, 'meta.db');
    const db = new Database(path);
    db.pragma(`user_version = ${SQLITE_MIGRATIONS.length + 1}`);
    db.close();
    await expect(new SqliteMetadataStore({ path }).init()).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('records a batch of 1,000 in one transaction: a failing last record leaves none of them', async () => {
    const path = join(dir, 'meta.db');
    const sut = new SqliteMetadataStore({ path });
    await sut.init();
    const batch = Array.from({ length: 1000 }, (_, i) => meta(`/batch/${i}`, `c${i}`));
    const broken = [...batch.slice(0, 999), { ...batch[999], size: null as unknown as number }];
    // Matched by message: better-sqlite3 makes its errors with the class of the first test file that loaded it, which
    // in a shared jest worker can belong to another file's module registry (then `toThrow` does not see an Error).
    await expect(sut.recordFiles(broken, at(1))).rejects.toMatchObject({ message: expect.stringMatching(/NOT NULL/) });
    expect((await sut.listFiles({ includeDeleted: true, limit: 10 })).items).toEqual([]);

    const results = await sut.recordFiles(batch, at(2));
    expect(results.every((r) => r.status === 'created')).toBe(true);
    const observer = new Database(path, { readonly: true });
    expect(observer.prepare('SELECT COUNT(*) FROM files').pluck().get()).toBe(1000);
    observer.close();
    await sut.close();
  });

  it('keeps its directory 0700 and the database, its WAL and shared memory 0600 under umask 022, narrowing older ones', async () => {
    const umask = process.umask(0o022);
    try {
      const path = join(dir, 'data', 'hoard.db');
      const sut = new SqliteMetadataStore({ path });
      await sut.init();
      await sut.recordFiles([meta('/a', 'one')], at(1));
      const mode = (p: string) => statSync(p).mode & 0o777;
      const files = [path, `${path}-wal`, `${path}-shm`];
      expect([mode(join(dir, 'data')), ...files.map(mode)]).toEqual([0o700, 0o600, 0o600, 0o600]);
      await sut.close();
      chmodSync(path, 0o644);
      const reopened = new SqliteMetadataStore({ path });
      await reopened.init();
      expect(mode(path)).toBe(0o600);
      await reopened.close();
    } finally {
      process.umask(umask);
    }
  });

  it('adds quarantines to a version-2 database, keeping its registry as it was', async () => {
    const path = join(dir, 'meta.db');
    const old = new Database(path);
    old.exec(SQLITE_MIGRATIONS[0]);
    old.exec(SQLITE_MIGRATIONS[1]);
    old.pragma('user_version = 2');
    old
      .prepare('INSERT INTO blobs (sha256, size, created_at, deleted_at) VALUES (?, 3, 1000, NULL), (?, 4, 1000, 2000)')
      .run('a'.repeat(64), 'b'.repeat(64));
    old.close();
    const sut = new SqliteMetadataStore({ path });
    await sut.init();
    const entries = await sut.getBlobs([normalizeSha256('a'.repeat(64)), normalizeSha256('b'.repeat(64))]);
    expect([...entries.values()].map((e) => [e.size, e.deleted_at?.getTime() ?? null, e.quarantined_at])).toEqual([
      [3, null, null],
      [4, 2000, null],
    ]);
    await sut.close();
  });

  it("takes the records of a database from before objects as hosts' files, and gives a bucket of a host's name versions of its own", async () => {
    const path = join(dir, 'meta.db');
    const old = new Database(path);
    const before = SQLITE_MIGRATIONS.findIndex((migration) => migration.includes('ADD COLUMN namespace'));
    for (const migration of SQLITE_MIGRATIONS.slice(0, before)) old.exec(migration);
    old.pragma(`user_version = ${before}`);
    old
      .prepare(
        `INSERT INTO files (hostname, filepath, version, sha256, size, first_seen_at, deleted_at, is_current)
       VALUES ('web', 'k', 1, ?, 3, 1000, NULL, 1)`,
      )
      .run('a'.repeat(64));
    old.prepare('INSERT INTO files_seen (id, last_seen_at) VALUES (1, 1000)').run();
    old.close();

    const sut = new SqliteMetadataStore({ path });
    await sut.init();
    expect(await sut.currentFile('web', 'k')).toMatchObject({ version: 1, namespace: 'host', object: null });
    const [object] = await sut.recordFiles([objectVersion('k', 'object', {}, 'web')], at(5));
    expect(object.file).toMatchObject({ version: 1, namespace: 'bucket' });
    expect((await sut.fileHistory('web', 'k')).map((f) => f.version)).toEqual([1]);
    await sut.close();
  });

  it.each([
    ['1,000 (found through the index of paths)', 1000],
    ['1,001 (walked in id order)', 1001],
  ])('lists a prefix with %s current records on a host: every one once, in id order, the others left out', async (_, n) => {
    const sut = new SqliteMetadataStore({ path: join(dir, 'meta.db') });
    await sut.init();
    const under = Array.from({ length: n }, (_, i) => meta(`/p/${String(i).padStart(4, '0')}`, `u${i}`));
    // Around and among them: other paths, another host, an older version, a deleted one.
    await sut.recordFiles([meta('/p', 'the prefix itself'), meta('/pq', 'beside'), meta('/p/0001', 'old'), meta('/p/gone', 'gone')], at(1));
    await sut.recordFiles([...under, meta('/p/0002', 'other host', { hostname: 'host-b' })], at(2));
    await sut.markPathsDeleted('host-a', ['/p/gone'], at(3));
    const listed: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await sut.listFiles({ hostname: 'host-a', pathPrefix: '/p/', includeDeleted: false, limit: 300, cursor });
      listed.push(...page.items.map((f) => `${f.filepath} ${f.sha256 === meta('', `u${Number(f.filepath.slice(3))}`).sha256}`));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(listed).toEqual(under.map((f) => `${f.filepath} true`));
    const withItself = await sut.listFiles({ hostname: 'host-a', pathPrefix: '/p', includeDeleted: false, limit: 2 });
    expect(withItself.items.map((f) => f.filepath)).toEqual(['/p', '/p/0000']);
    await sut.close();
  });

  it('throws unavailable when used before init', async () => {
    const sut = new SqliteMetadataStore({ path: join(dir, 'meta.db') });
    await expect(sut.ping()).rejects.toMatchObject({ code: 'unavailable' });
  });
});
