import type { Sha256 } from '@app/contracts';
import { MongoPackIndex } from '@app/metadata/mongodb';
import type { RunningFerretDb } from './support/test-servers';
import { describeOnFerretDb, dropDatabase } from './support/backing-suites';

const digest = (n: number) => n.toString(16).padStart(64, '0') as Sha256;

describeOnFerretDb('MongoPackIndex against FerretDB', 'the MongoDB pack index suites', (server) => {
  let ferret: RunningFerretDb;
  let databases = 0;
  beforeAll(() => {
    ferret = server();
  });

  /** A fresh database on the shared server; cleanup drops it. */
  async function freshIndex(name = `hoard_packs_${process.pid}_${++databases}`) {
    const sut = new MongoPackIndex({ uri: ferret.uri, db: name });
    await sut.init();
    return {
      sut,
      cleanup: () => dropDatabase(ferret.uri, name),
    };
  }

  describe('two instances on one database', () => {
    it('keeps one entry per digest when both commit it at once from their own packs, and both packs', async () => {
      const name = `hoard_packs_race_${process.pid}_${++databases}`;
      const { sut, cleanup } = await freshIndex(name);
      const other = new MongoPackIndex({ uri: ferret.uri, db: name });
      await other.init();
      try {
        const batch = (packId: string) => ({
          packs: [{ id: packId, size: 100 * 10, sealed: true }],
          entries: Array.from({ length: 100 }, (_, i) => ({ sha256: digest(i), packId, offset: i * 10, length: 10 })),
        });
        await Promise.all([sut.commit(batch('pa')), other.commit(batch('pb'))]);
        const entries = await sut.list('', 1000);
        expect(entries.map((e) => e.sha256)).toEqual(Array.from({ length: 100 }, (_, i) => digest(i)));
        const packs = await other.packs();
        expect(packs.map((p) => [p.id, p.size, p.sealed])).toEqual([
          ['pa', 1000, true],
          ['pb', 1000, true],
        ]);
        expect(packs[0].entries + packs[1].entries).toBe(100);
        expect(packs[0].liveBytes + packs[1].liveBytes).toBe(1000);
        for (const e of entries) expect(e.offset).toBe(Number.parseInt(e.sha256, 16) * 10);
      } finally {
        await other.close();
        await sut.close();
        await cleanup();
      }
    });

    it("never lowers a pack's committed end nor unseals it when an older flush's commit lands late", async () => {
      const { sut, cleanup } = await freshIndex();
      try {
        await sut.commit({ packs: [{ id: 'p1', size: 200, sealed: true }], entries: [] });
        await sut.commit({ packs: [{ id: 'p1', size: 100, sealed: false }], entries: [] });
        expect(await sut.packs()).toEqual([{ id: 'p1', size: 200, sealed: true, entries: 0, liveBytes: 0 }]);
      } finally {
        await sut.close();
        await cleanup();
      }
    });
  });

  it('reports an unreachable server as unavailable', async () => {
    const sut = new MongoPackIndex({ uri: 'mongodb://127.0.0.1:9/', db: 'none', serverSelectionTimeoutMs: 300 });
    await expect(sut.init()).rejects.toMatchObject({ name: 'HoardError', code: 'unavailable' });
  });
});
