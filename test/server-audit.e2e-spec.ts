import { join } from 'node:path';
import Database from 'better-sqlite3';
import { cliHome, runCli } from './support/cli';
import { Http, randomContent } from './support/http';
import { RunningServer, startServer } from './support/server';
import { tusUpload } from './support/tus';

describe('the audit trail on a real server', () => {
  let server: RunningServer;
  let admin: Http;
  let env: Record<string, string>;
  let writer: { id: string; key: string };

  beforeAll(async () => {
    server = await startServer();
    admin = new Http(server.url, server.adminKey);
    env = { ...cliHome(), HOARD_URL: server.url, HOARD_API_KEY: server.adminKey };
    writer = await admin.mintKey(['write'], 'uploader');
  });
  afterAll(async () => {
    await server?.stop();
  });

  const entries = async (query: Record<string, string>) => {
    const res = await admin.get('/api/v1/audit', { query });
    expect(res.status).toBe(200);
    return res.json().items as Array<Record<string, any>>;
  };
  /** The JSON lines of an export. */
  const lines = (text: string) =>
    text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, any>);
  /** The database the server writes, opened beside it (WAL: both may write). */
  const database = () => new Database(join(server.dataDir, 'hoard.db'));

  it('has an entry for an upload, a tus upload, a download, a key creation and a refused login, found by exact filters', async () => {
    const put = randomContent(4096);
    const tus = randomContent(2048);
    const as = admin.as(writer.key);
    expect((await as.put(`/api/v1/blobs/${put.sha}`, put.data)).status).toBe(201);
    expect((await tusUpload(server.url, writer.key, tus.data, tus.sha)).outcome).toBe('success');
    expect((await as.get(`/api/v1/blobs/${put.sha}`)).status).toBe(200);
    expect((await admin.as(undefined).post('/api/login', { email: 'x@y.z', password: 'hk_wrong_wrong_wrong_wrong' })).status).toBe(401);

    const byDigest = await entries({ sha256: put.sha });
    expect(byDigest.map((e) => [e.action, e.status, e.key_id, e.key_name, e.bytes, e.targets])).toEqual([
      ['blob.get', 200, writer.id, 'uploader', 4096, [{ sha256: put.sha }]],
      ['blob.put', 201, writer.id, 'uploader', 4096, [{ sha256: put.sha }]],
    ]);
    // tus-js-client creates the upload, then sends its bytes: the PATCH that stored it names the content.
    const tusEntries = await entries({ sha256: tus.sha });
    expect(tusEntries.map((e) => [e.action, e.status, e.key_id, e.bytes])).toEqual([['upload.write', 204, writer.id, 2048]]);
    const created = await entries({ action: 'key.create' });
    expect(created.map((e) => [e.key_id, e.targets])).toEqual([[expect.any(String), [{ key_id: writer.id }]]]);
    const refused = await entries({ action: 'auth.refused' });
    expect(refused.map((e) => [e.status, e.key_id, e.targets])).toEqual([[401, null, []]]);
    const mine = await entries({ key_id: writer.id });
    expect(mine.map((e) => e.action)).toEqual(['blob.get', 'upload.write', 'upload.create', 'blob.put']);
    // No secret is ever stored.
    const db = database();
    try {
      const dump = JSON.stringify(db.prepare('SELECT * FROM audit_entries').all());
      expect(dump).not.toContain(writer.key);
      expect(dump).not.toContain(server.adminKey);
      expect(dump).not.toContain('hk_wrong_wrong_wrong_wrong');
    } finally {
      db.close();
    }
  });

  it('exports every match as NDJSON through the API and the CLI, and prints a table', async () => {
    const api = await admin.get('/api/v1/audit', { headers: { accept: 'application/x-ndjson' } });
    expect(api.status).toBe(200);
    const all = await entries({ limit: '1000' });
    expect(lines(api.text)).toEqual(all);
    const cli = await runCli(['audit', '--json'], env);
    expect(cli.code).toBe(0);
    expect(lines(cli.stdout)).toEqual(all);
    const limited = await runCli(['audit', '--json', '--action', 'blob.put', '--limit', '1'], env);
    expect(lines(limited.stdout).map((e) => e.action)).toEqual(['blob.put']);
    const table = await runCli(['audit', '--key', writer.id], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/ACTION/);
    expect(table.stdout).toMatch(/blob\.put/);
    expect(table.stdout).not.toMatch(/key\.create/);
    const bad = await runCli(['audit', '--since', 'yesterday'], env);
    expect(bad.code).toBe(2);
  });

  it('verify reports a changed entry and a removed one, and the CLI exits non-zero', async () => {
    const ok = await admin.get('/api/v1/audit/verify');
    expect(ok.json()).toEqual({ entries: expect.any(Number), ok: true, first_bad: null });
    expect((await runCli(['admin', 'audit', 'verify'], env)).code).toBe(0);

    const db = database();
    try {
      const [second] = db.prepare('SELECT id, chain, seq, status FROM audit_entries WHERE seq = 2').all() as Array<{
        id: string;
        chain: string;
        seq: number;
        status: number;
      }>;
      db.prepare('UPDATE audit_entries SET status = 299 WHERE id = ?').run(second.id);
      const changed = (await admin.get('/api/v1/audit/verify')).json();
      expect(changed).toMatchObject({ ok: false, first_bad: { chain: second.chain, seq: 2, id: second.id, reason: 'hash' } });
      const cli = await runCli(['admin', 'audit', 'verify'], env);
      expect(cli.code).toBe(1);
      expect(cli.stdout + cli.stderr).toMatch(/TAMPERED/);
      db.prepare('UPDATE audit_entries SET status = ? WHERE id = ?').run(second.status, second.id);
      expect((await admin.get('/api/v1/audit/verify')).json().ok).toBe(true);

      const [third] = db.prepare('SELECT id FROM audit_entries WHERE chain = ? AND seq = 3').all(second.chain) as Array<{ id: string }>;
      const [fourth] = db.prepare('SELECT id FROM audit_entries WHERE chain = ? AND seq = 4').all(second.chain) as Array<{ id: string }>;
      db.prepare('DELETE FROM audit_entries WHERE id = ?').run(third.id);
      const removed = (await admin.get('/api/v1/audit/verify')).json();
      expect(removed).toMatchObject({ ok: false, first_bad: { chain: second.chain, seq: 3, id: fourth.id, reason: 'missing' } });
      expect((await runCli(['admin', 'audit', 'verify', '--json'], env)).code).toBe(1);
    } finally {
      db.close();
    }
  });
});
