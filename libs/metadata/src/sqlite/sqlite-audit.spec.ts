import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { auditEntry } from '../testing/audit-store.contract';
import { digest } from '../testing/contract-fixtures';
import { SqliteMetadataStore } from './sqlite-metadata-store';

describe('SqliteAuditLog', () => {
  it('finds entries by digest through the index of targets, never by a scan', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hoard-audit-plan-'));
    const store = new SqliteMetadataStore({ path: join(dir, 'meta.db') });
    await store.init();
    const db = new Database(join(dir, 'meta.db'));
    try {
      const plan = db
        .prepare(
          'EXPLAIN QUERY PLAN SELECT e.* FROM audit_targets t JOIN audit_entries e ON e.n = t.n WHERE t.k = ? AND t.n < ? ORDER BY t.n DESC LIMIT 101',
        )
        .all(1, 1000) as Array<{ detail: string }>;
      const steps = plan.map((step) => step.detail);
      expect(steps).toEqual([
        expect.stringMatching(/^SEARCH t USING PRIMARY KEY \(k=\? AND n<\?\)/),
        expect.stringMatching(/^SEARCH e USING INTEGER PRIMARY KEY/),
      ]);
    } finally {
      db.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('the index of targets, written behind the entries', () => {
    let dir: string;
    let path: string;
    const stores: SqliteMetadataStore[] = [];
    const opened = async () => {
      const store = new SqliteMetadataStore({ path });
      await store.init();
      stores.push(store);
      return store;
    };
    /** The index rows and how far the index goes, read from the file by a connection of its own. */
    const indexOnDisk = () => {
      const db = new Database(path, { readonly: true });
      try {
        const rows = (db.prepare('SELECT COUNT(*) AS c FROM audit_targets').get() as { c: number }).c;
        const upTo = (db.prepare('SELECT n FROM audit_indexed').get() as { n: number }).n;
        return { rows, upTo };
      } finally {
        db.close();
      }
    };
    const entry = (seq: number, ...contents: string[]) =>
      auditEntry('c1', seq, seq, { targets: contents.map((c) => ({ sha256: digest(c) })), count: contents.length });

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'hoard-audit-index-'));
      path = join(dir, 'meta.db');
    });
    afterEach(async () => {
      for (const store of stores.splice(0)) await store.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('finds an entry by digest as soon as it is appended, its index rows written first', async () => {
      const sut = await opened();
      await sut.appendAuditEntries([entry(1, 'a', 'b'), entry(2, 'b')]);
      expect(indexOnDisk()).toEqual({ rows: 0, upTo: 0 });
      expect((await sut.listAuditEntries({ limit: 10, sha256: digest('b') })).items.map((e) => e.seq)).toEqual([2, 1]);
      expect(indexOnDisk()).toEqual({ rows: 3, upTo: 2 });
    });

    it('indexes, when the store opens, the entries a crash left unindexed, and no others twice', async () => {
      const crashed = await opened();
      await crashed.appendAuditEntries([entry(1, 'a')]);
      await crashed.listAuditEntries({ limit: 10, sha256: digest('a') });
      await crashed.appendAuditEntries([entry(2, 'b', 'c'), entry(3, 'c')]);
      // The process dies here: entries 2 and 3 are stored, their index rows are not.
      expect(indexOnDisk()).toEqual({ rows: 1, upTo: 1 });
      const sut = await opened();
      expect(indexOnDisk()).toEqual({ rows: 4, upTo: 3 });
      expect((await sut.listAuditEntries({ limit: 10, sha256: digest('c') })).items.map((e) => e.seq)).toEqual([3, 2]);
      expect((await sut.listAuditEntries({ limit: 10, sha256: digest('a') })).items.map((e) => e.seq)).toEqual([1]);
    });

    it('writes the index on its own on the turn after the append (the waiting answers first), and at the close', async () => {
      // Timers are fake and never run: only the event loop's next turn may write the index.
      jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
      try {
        const sut = await opened();
        await sut.appendAuditEntries([entry(1, 'a', 'b'), entry(2, 'c')]);
        // What waited for the entries goes on before the index is written.
        expect(indexOnDisk()).toEqual({ rows: 0, upTo: 0 });
        await new Promise<void>((turned) => setImmediate(turned));
        expect(indexOnDisk()).toEqual({ rows: 3, upTo: 2 });
        await sut.appendAuditEntries([entry(3, 'd')]);
        await sut.close();
        expect(indexOnDisk()).toEqual({ rows: 4, upTo: 3 });
      } finally {
        jest.useRealTimers();
      }
    });
  });
});
