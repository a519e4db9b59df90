import { MongoClient } from 'mongodb';
import type { RunningFerretDb } from './support/test-servers';
import { describeOnFerretDb, dropDatabase } from './support/backing-suites';
import { Http, randomContent } from './support/http';
import { RunningServer, startServer } from './support/server';

describeOnFerretDb('the audit log of server instances on FerretDB', 'the MongoDB audit suite', (server) => {
  let ferret: RunningFerretDb;
  beforeAll(() => {
    ferret = server();
  });

  describe('two server instances on one database, and a tamperer', () => {
    const name = `hoard_audit_servers_${process.pid}`;
    let servers: RunningServer[] = [];
    let client: MongoClient;

    beforeAll(async () => {
      const env = {
        HOARD_METADATA: 'mongodb',
        MONGODB_URI: ferret.uri,
        MONGODB_DB: name,
        HOARD_BOOTSTRAP_ADMIN_KEY: 'hk_audit_admin_key_for_both',
      };
      servers = [await startServer({ env }), await startServer({ env })];
      client = new MongoClient(ferret.uri);
    });
    afterAll(async () => {
      for (const server of servers) await server.stop();
      await client?.close();
      await dropDatabase(ferret.uri, name);
    });

    it('keeps one chain per instance, and verify finds a changed, a removed and a reordered entry', async () => {
      const [a, b] = servers.map((server) => new Http(server.url, 'hk_audit_admin_key_for_both'));
      for (let i = 0; i < 3; i++) {
        for (const http of [a, b]) {
          const { data, sha } = randomContent(512);
          expect((await http.put(`/api/v1/blobs/${sha}`, data)).status).toBe(201);
        }
      }
      const all = (await a.get('/api/v1/audit', { query: { action: 'blob.put' } })).json().items as Array<{ chain: string }>;
      expect(all).toHaveLength(6);
      expect(new Set(all.map((e) => e.chain)).size).toBe(2);
      expect((await b.get('/api/v1/audit/verify')).json()).toEqual({ entries: 6, ok: true, first_bad: null });

      const entries = client.db(name).collection<{ _id: string; chain: string; seq: number; status: number }>('audit_entries');
      const chain = all[0].chain;
      const second = (await entries.findOne({ chain, seq: 2 }))!;
      await entries.updateOne({ _id: second._id }, { $set: { status: 200 } });
      expect((await a.get('/api/v1/audit/verify')).json()).toMatchObject({
        ok: false,
        first_bad: { chain, seq: 2, id: second._id, reason: 'hash' },
      });
      await entries.updateOne({ _id: second._id }, { $set: { status: second.status } });
      expect((await a.get('/api/v1/audit/verify')).json().ok).toBe(true);

      // Reordered: the second and third entries trade places in the chain.
      const third = (await entries.findOne({ chain, seq: 3 }))!;
      await entries.updateOne({ _id: second._id }, { $set: { seq: 1000 } });
      await entries.updateOne({ _id: third._id }, { $set: { seq: 2 } });
      await entries.updateOne({ _id: second._id }, { $set: { seq: 3 } });
      expect((await a.get('/api/v1/audit/verify')).json()).toMatchObject({
        ok: false,
        first_bad: { chain, seq: 2, id: third._id, reason: 'link' },
      });
      await entries.updateOne({ _id: third._id }, { $set: { seq: 1000 } });
      await entries.updateOne({ _id: second._id }, { $set: { seq: 2 } });
      await entries.updateOne({ _id: third._id }, { $set: { seq: 3 } });
      expect((await a.get('/api/v1/audit/verify')).json().ok).toBe(true);

      await entries.deleteOne({ _id: second._id });
      expect((await b.get('/api/v1/audit/verify')).json()).toMatchObject({
        ok: false,
        first_bad: { chain, seq: 2, id: third._id, reason: 'missing' },
      });
    });
  });
});
