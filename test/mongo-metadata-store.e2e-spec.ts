import { type Collection, type Document, MongoClient, ObjectId } from 'mongodb';
import { MongoMetadataStore, MongoPackIndex } from '@app/metadata/mongodb';
import { MongoBlobRegistry } from '@app/metadata/mongodb/mongo-blob-registry';
import { describePackIndexContract } from '@app/storage/testing/pack-index.contract';
import { describeMetadataStoreContract } from '@app/metadata/testing/metadata-store.contract';
import { describeAuditStoreContract } from '@app/metadata/testing/audit-store.contract';
import { at, digest, meta, objectVersion } from '@app/metadata/testing/contract-fixtures';
import type { RunningFerretDb } from './support/test-servers';
import { describeOnFerretDb, dropDatabase } from './support/backing-suites';
import { freePort } from './support/server';

describeOnFerretDb('MongoMetadataStore against FerretDB', 'the MongoDB metadata suites', (server) => {
  let ferret: RunningFerretDb;
  let databases = 0;
  beforeAll(() => {
    ferret = server();
  });

  /** A fresh database on the shared server; cleanup drops it. */
  async function freshStore(name = `hoard_${process.pid}_${++databases}`) {
    const sut = new MongoMetadataStore({ uri: ferret.uri, db: name });
    await sut.init();
    return {
      sut,
      cleanup: async () => {
        await sut.close();
        await dropDatabase(ferret.uri, name);
      },
    };
  }

  describeMetadataStoreContract('mongodb (FerretDB)', () => freshStore());
  describeAuditStoreContract('mongodb (FerretDB)', () => freshStore());

  describePackIndexContract('mongodb (FerretDB)', async () => {
    const name = `hoard_packs_${process.pid}_${++databases}`;
    const sut = new MongoPackIndex({ uri: ferret.uri, db: name });
    await sut.init();
    return {
      sut,
      cleanup: () => dropDatabase(ferret.uri, name),
    };
  });

  describe('two server instances at the same moment', () => {
    const paths = Array.from({ length: 200 }, (_, i) => `/shared/${i}`);
    const inBatches = (content: (i: number) => string) =>
      [0, 1, 2, 3].map((b) => paths.slice(b * 50, b * 50 + 50).map((p, j) => meta(p, content(b * 50 + j))));

    async function race(contentA: (i: number) => string, contentB: (i: number) => string) {
      const name = `hoard_race_${process.pid}_${++databases}`;
      const a = await freshStore(name);
      const b = new MongoMetadataStore({ uri: ferret.uri, db: name });
      await b.init();
      try {
        const calls = [
          ...inBatches(contentA).map((batch) => a.sut.recordFiles(batch, at(1))),
          ...inBatches(contentB).map((batch) => b.recordFiles(batch, at(1))),
        ];
        const results = (await Promise.all(calls)).flat();
        const histories = await Promise.all(paths.map((p) => a.sut.fileHistory('host-a', p)));
        const listed = await a.sut.listFiles({ includeDeleted: true, limit: 1000 });
        return { results, histories, listed: listed.items };
      } finally {
        await b.close();
        await a.cleanup();
      }
    }

    it('recording the same 200 paths with the same content creates each path once', async () => {
      const { results, histories, listed } = await race(
        (i) => `same-${i}`,
        (i) => `same-${i}`,
      );
      expect(results.filter((r) => r.status === 'created')).toHaveLength(200);
      expect(results.filter((r) => r.status === 'unchanged')).toHaveLength(200);
      for (const history of histories) expect(history.map((f) => f.version)).toEqual([1]);
      expect(listed.map((f) => f.filepath).sort()).toEqual([...paths].sort());
    });

    it('recording different content at the same paths makes versions 1 and 2, exactly one current', async () => {
      const { results, histories, listed } = await race(
        (i) => `from-a-${i}`,
        (i) => `from-b-${i}`,
      );
      expect(results.filter((r) => r.status === 'created')).toHaveLength(400);
      for (const history of histories) {
        expect(history.map((f) => f.version)).toEqual([2, 1]);
        expect(new Set(history.map((f) => f.sha256)).size).toBe(2);
      }
      expect(listed).toHaveLength(200);
      const current = new Map(listed.map((f) => [f.filepath, f]));
      for (const [i, history] of histories.entries()) {
        expect(current.get(paths[i])!.id).toBe(history[0].id);
        expect([digest(`from-a-${i}`), digest(`from-b-${i}`)]).toContain(history[0].sha256);
      }
    });
  });

  it('repairs a path left with two current versions by a write interrupted before the old one was retired', async () => {
    const { sut, cleanup } = await freshStore();
    try {
      const [v1] = await sut.recordFiles([meta('/x', 'one')], at(1));
      // What a crash between inserting version 2 and retiring version 1 leaves behind.
      const client = new MongoClient(ferret.uri);
      const files = client.db(`hoard_${process.pid}_${databases}`).collection('files');
      const v1doc = (await files.findOne({ filepath: '/x' }))!;
      await files.insertOne({ ...v1doc, _id: new ObjectId(), version: 2, sha256: digest('two'), is_current: true });
      await client.close();
      expect((await sut.listFiles({ includeDeleted: false, limit: 10 })).items).toHaveLength(2);
      expect((await sut.currentFile('host-a', '/x'))!.version).toBe(2);

      const [again] = await sut.recordFiles([meta('/x', 'two')], at(2));
      expect(again).toMatchObject({ status: 'unchanged', file: { version: 2 } });
      const listed = (await sut.listFiles({ includeDeleted: false, limit: 10 })).items;
      expect(listed.map((f) => f.version)).toEqual([2]);
      expect((await sut.fileHistory('host-a', '/x')).map((f) => f.id)).toContain(v1.file.id);
    } finally {
      await cleanup();
    }
  });

  it("gives records written before objects existed the hosts' namespace, and retires the index that named paths without it", async () => {
    const name = `hoard_${process.pid}_${++databases}`;
    const client = new MongoClient(ferret.uri);
    const files = client.db(name).collection('files');
    await files.createIndex({ hostname: 1, filepath: 1, version: 1 }, { name: 'files_path_version', unique: true });
    const at1 = at(1);
    await files.insertOne({
      hostname: 'web',
      filepath: 'k',
      version: 1,
      sha256: digest('old'),
      size: 3,
      is_current: true,
      first_seen_at: at1,
      last_seen_at: at1,
      deleted_at: null,
    });
    const sut = new MongoMetadataStore({ uri: ferret.uri, db: name });
    try {
      await sut.init();
      expect(await sut.currentFile('web', 'k')).toMatchObject({ version: 1, namespace: 'host', object: null });
      const [object] = await sut.recordFiles([objectVersion('k', 'new', {}, 'web')], at(2));
      expect(object.file).toMatchObject({ version: 1, namespace: 'bucket' });
      expect((await files.listIndexes().toArray()).map((index) => index.name)).not.toContain('files_path_version');
      await sut.close();
      // A second start finds the migration done and the indexes in place.
      await sut.init();
      expect((await sut.fileHistory('web', 'k')).map((f) => f.sha256)).toEqual([digest('old')]);
    } finally {
      await sut.close();
      await client.close();
      await dropDatabase(ferret.uri, name);
    }
  });

  it("never reads content as present when GC's removal of it finishes between the registry read's two steps", async () => {
    const { sut, cleanup } = await freshStore();
    const client = new MongoClient(ferret.uri);
    try {
      const sha = digest('collected');
      await sut.registerBlob(sha, 9, at(1));
      // GC condemned the content, found nothing holding it, and is removing it (its bytes are being deleted).
      const token = 'gc-run';
      expect(await sut.condemn([sha], token, at(2))).toEqual([sha]);
      expect(await sut.markRemoving([sha], token, at(2), at(0))).toEqual([sha]);
      // A reader (a record's answer, an upload's claim) whose first read is followed at once by the end of that
      // removal: the entry goes, then its mark.
      let finished: Promise<number> | undefined;
      const overtaken = <T extends Document>(collection: Collection<T>): Collection<T> =>
        new Proxy(collection, {
          get(target, prop) {
            if (prop !== 'find') return Reflect.get(target, prop) as unknown;
            return (...args: Parameters<Collection<T>['find']>) => {
              const cursor = target.find(...args);
              return {
                toArray: async () => {
                  const found = await cursor.toArray();
                  finished ??= sut.finishRemoval([sha], token);
                  await finished;
                  return found;
                },
              };
            };
          },
        });
      const db = client.db(`hoard_${process.pid}_${databases}`);
      const reader = new MongoBlobRegistry(overtaken(db.collection('blobs')), db.collection('files'), overtaken(db.collection('gc_marks')));
      expect([...(await reader.get([sha])).keys()]).toEqual([]);
      expect(await finished).toBe(1);
      expect([...(await sut.getBlobs([sha])).keys()]).toEqual([]);
    } finally {
      await client.close();
      await cleanup();
    }
  });

  it('reports an unreachable server as unavailable', async () => {
    const port = await freePort();
    const sut = new MongoMetadataStore({ uri: `mongodb://127.0.0.1:${port}/`, db: 'none', serverSelectionTimeoutMs: 300 });
    await expect(sut.init()).rejects.toMatchObject({ name: 'HoardError', code: 'unavailable' });
  });
});
