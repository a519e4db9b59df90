import type { Sha256 } from '@app/contracts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describePackIndexContract } from '@app/storage/testing/pack-index.contract';
import { SqliteMetadataStore } from './sqlite-metadata-store';
import { SqlitePackIndex } from './sqlite-pack-index';

describePackIndexContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hoard-pack-index-'));
  const sut = new SqlitePackIndex({ path: join(dir, 'hoard.db') });
  await sut.init();
  return { sut, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

describe('SqlitePackIndex', () => {
  it("shares the metadata store's database, and keeps its entries across a reopen", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hoard-pack-index-'));
    const path = join(dir, 'hoard.db');
    const metadata = new SqliteMetadataStore({ path });
    await metadata.init();
    const first = new SqlitePackIndex({ path });
    await first.init();
    const entry = { sha256: 'a'.repeat(64) as Sha256, packId: 'p1', offset: 0, length: 5 };
    await first.commit({ packs: [{ id: 'p1', size: 5, sealed: false }], entries: [entry] });
    await first.close();
    const sut = new SqlitePackIndex({ path });
    await sut.init();
    await expect(sut.lookup(entry.sha256)).resolves.toEqual(entry);
    await sut.close();
    await metadata.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
