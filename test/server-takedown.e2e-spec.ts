import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FormData } from 'undici';
import { cliHome, ndjson, runCli } from './support/cli';
import type { RunningServer } from './support/server';
import { blobFilesOnDisk, expectError, expectStatus, fileMeta, Http, randomContent, rawExchange, useServerWithKeys } from './support/http';
import { scratchDir } from './support/tree';

const blob = (sha: string) => `/api/v1/blobs/${sha}`;

describe('server: a takedown stays until it is lifted', () => {
  let server: RunningServer;
  let admin: Http;
  let writer: Http;
  useServerWithKeys((s) => ({ server, admin, writer } = s));

  const missing = async (sha: string) => (await writer.post('/api/v1/blobs/missing', { sha256: [sha] })).json().missing;

  it('refuses every upload of the digest with 410, answers upload_required false, and lists it nowhere as missing', async () => {
    const { data, sha } = randomContent(70_000);
    await writer.upload(data);
    expectStatus(await admin.delete(blob(sha)), 204);

    expectError(await writer.put(blob(sha), data), 410, 'gone');
    const pack = new FormData();
    pack.append(sha, new Blob([data]), sha);
    const packed = await writer.post('/api/v1/blobs/pack', undefined, { body: pack });
    expect(packed.json()).toEqual({ items: [{ sha256: sha, error: { code: 'gone', message: expect.any(String) } }] });
    const form = new FormData();
    form.append('file', new Blob([data]), 'f.bin');
    expectError(await writer.call('POST', `/upload_file/${sha}`, { body: form }), 410, 'gone');
    expect(blobFilesOnDisk(server.dataDir).filter((f) => f.includes(sha))).toEqual([]);

    const meta = fileMeta({ sha256: sha, size: data.length });
    const recorded = (await writer.post('/api/v1/files', meta)).json();
    expect([recorded.upload_required, recorded.upload_url, recorded.content_available]).toEqual([false, null, false]);
    const batch = (await writer.post('/api/v1/files/batch', { files: [meta] })).json();
    expect(batch.results[0]).toMatchObject({ upload_required: false, content_available: false });
    const seen = (await writer.post('/api/v1/files/seen', { hostname: meta.hostname, ids: [recorded.id] })).json();
    expect(seen).toEqual({ seen: 1, stale: [], upload_required: [] });
    expect(await missing(sha)).toEqual([]);
    expectError(await writer.get(blob(sha)), 410, 'gone');
  });

  it('refuses the upload before reading its body', async () => {
    const { data, sha } = randomContent(1000);
    await writer.upload(data);
    expectStatus(await admin.delete(blob(sha)), 204);
    // A declared gigabyte of which a few bytes are sent: the answer comes without the rest.
    const head = `PUT ${blob(sha)} HTTP/1.1\r\nHost: x\r\nX-API-Key: ${writer.key}\r\nContent-Type: application/octet-stream\r\nContent-Length: 1073741824\r\n\r\n`;
    const answer = await rawExchange(server.port, [head, data.subarray(0, 10)]);
    expect(answer).toMatch(/^HTTP\/1\.1 410 /);
    expect(answer).toContain('"code":"gone"');
  });

  it('is lifted by an admin with POST /reinstate (204; 404 when not taken down), after which the content is wanted again', async () => {
    const { data, sha } = randomContent(5000);
    await writer.upload(data);
    expectStatus(await admin.delete(blob(sha)), 204);
    expectError(await writer.post(`${blob(sha)}/reinstate`, undefined), 403, 'forbidden');
    const lifted = await admin.post(`${blob(sha)}/reinstate`, undefined);
    expectStatus(lifted, 204);
    expect(lifted.body.length).toBe(0);
    expectError(await admin.post(`${blob(sha)}/reinstate`, undefined), 404, 'not_found');
    expectError(await admin.post(`${blob(randomContent(4).sha)}/reinstate`, undefined), 404, 'not_found');
    expect(await missing(sha)).toEqual([sha]);
    expectStatus(await writer.put(blob(sha), data), 201);
    expect((await writer.get(blob(sha))).body.equals(data)).toBe(true);
  });

  it('makes a scan report the file as skipped, "taken down", and upload nothing', async () => {
    const root = scratchDir('hoard-takedown-tree-');
    mkdirSync(join(root, 'd'));
    const { data, sha } = randomContent(2000);
    writeFileSync(join(root, 'd', 'down.bin'), data);
    writeFileSync(join(root, 'd', 'fine.txt'), 'fine');
    await writer.upload(data);
    expectStatus(await admin.delete(blob(sha)), 204);
    const env = { ...cliHome(), HOARD_URL: server.url, HOARD_API_KEY: writer.key };
    const run = await runCli(['scan', root, '--json'], env);
    const events = ndjson(run.stdout);
    expect(events.filter((e) => e.event === 'skipped')).toEqual([
      { event: 'skipped', path: join(root, 'd', 'down.bin'), reason: 'taken down' },
    ]);
    expect(events.filter((e) => e.event === 'uploaded').map((e) => e.path)).toEqual([join(root, 'd', 'fine.txt')]);
    expect(events.at(-1)).toMatchObject({ event: 'summary', skipped: 1, failed: 0, reasons: { 'taken down': 1 } });
    expect(run.code).toBe(0);
  });
});
