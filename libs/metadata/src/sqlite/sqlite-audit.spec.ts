import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeAuditStoreContract } from '../testing/audit-store.contract';
import { SqliteMetadataStore } from './sqlite-metadata-store';

describeAuditStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hoard-audit-'));
  const sut = new SqliteMetadataStore({ path: join(dir, 'meta.db') });
  await sut.init();
  return {
    sut,
    cleanup: async () => {
      await sut.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
