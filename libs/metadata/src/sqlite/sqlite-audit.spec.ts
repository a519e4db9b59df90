import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
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
});
