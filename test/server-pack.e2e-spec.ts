import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FormData } from 'undici';
import { LOOSE_BLOBS, type RunningServer } from './support/server';
import {
  blobFilesOnDisk,
  blobPath,
  expectError,
  expectStatus,
  Http,
  randomContent,
  rawExchange,
  sha256,
  useServerWithKeys,
} from './support/http';

const LIMIT = 64 * 1024;
const PACK = '/api/v1/blobs/pack';

/** A multipart body with one file part per [name, content], as the CLI sends it. */
function packForm(parts: Array<[string, Buffer]>): FormData {
  const form = new FormData();
  for (const [name, content] of parts) form.append(name, new Blob([content]), name);
  return form;
}

describe('server: POST /api/v1/blobs/pack', () => {
  let server: RunningServer;
  let writer: Http;
  let reader: Http;
  useServerWithKeys((s) => ({ server, writer, reader } = s), { env: { ...LOOSE_BLOBS, HOARD_MAX_BLOB_BYTES: String(LIMIT) } });

  const stored = () => blobFilesOnDisk(server.dataDir).sort();

  it('stores every part under its digest and answers per part, in order, as PUT would', async () => {
    const a = randomContent(10);
    const b = randomContent(LIMIT);
    const empty = Buffer.alloc(0);
    expectStatus(await writer.put(`/api/v1/blobs/${a.sha}`, a.data), 201);
    const res = await writer.post(PACK, undefined, {
      body: packForm([
        [a.sha, a.data],
        [b.sha, b.data],
        [sha256(empty), empty],
      ]),
    });
    expectStatus(res, 200);
    expect(res.json()).toEqual({
      items: [
        { sha256: a.sha, size: 10, created: false },
        { sha256: b.sha, size: LIMIT, created: true },
        { sha256: sha256(empty), size: 0, created: true },
      ],
    });
    expect(readFileSync(blobPath(server.dataDir, b.sha)).equals(b.data)).toBe(true);
    const got = await reader.get(`/api/v1/blobs/${b.sha}`);
    expectStatus(got, 200);
    expect(got.body.equals(b.data)).toBe(true);
    const missing = await reader.post('/api/v1/blobs/missing', { sha256: [a.sha, b.sha] });
    expect(missing.json()).toEqual({ missing: [] });
  });

  it('refuses a part that does not hash to its name, or is over the limit, and stores the parts around it', async () => {
    const before = stored();
    const good1 = randomContent(100);
    const liar = randomContent(200);
    const big = randomContent(LIMIT + 1);
    const badName = randomContent(5);
    const good2 = randomContent(300);
    const wrongSha = sha256('something else');
    const res = await writer.post(PACK, undefined, {
      body: packForm([
        [good1.sha, good1.data],
        [wrongSha, liar.data],
        [big.sha, big.data],
        ['not-a-digest', badName.data],
        [good2.sha, good2.data],
      ]),
    });
    expectStatus(res, 200);
    const items = res.json().items;
    expect(items).toEqual([
      { sha256: good1.sha, size: 100, created: true },
      { sha256: wrongSha, error: { code: 'digest_mismatch', message: expect.any(String) } },
      { sha256: big.sha, error: { code: 'payload_too_large', message: expect.any(String) } },
      { sha256: 'not-a-digest', error: { code: 'invalid_digest', message: expect.any(String) } },
      { sha256: good2.sha, size: 300, created: true },
    ]);
    expect(stored()).toEqual([...before, `${good1.sha.slice(0, 2)}/${good1.sha}`, `${good2.sha.slice(0, 2)}/${good2.sha}`].sort());
    expect(JSON.stringify(items)).not.toMatch(/\/tmp|at .*\.js/);
  });

  it('refuses a part without a name as a bad digest, and stores the part after it', async () => {
    const after = randomContent(12);
    const boundary = 'noname';
    const body = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; filename="x"\r\nContent-Type: application/octet-stream\r\n\r\nhello\r\n`,
      ),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${after.sha}"; filename="y"\r\n\r\n`),
      after.data,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const res = await writer.post(PACK, undefined, { body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
    expectStatus(res, 200);
    expect(res.json()).toEqual({
      items: [
        { sha256: '', error: { code: 'invalid_digest', message: expect.any(String) } },
        { sha256: after.sha, size: 12, created: true },
      ],
    });
  });

  it('never replaces a stored blob: a lying part naming a stored digest leaves it intact', async () => {
    const kept = randomContent(1000);
    expectStatus(await writer.put(`/api/v1/blobs/${kept.sha}`, kept.data), 201);
    const res = await writer.post(PACK, undefined, { body: packForm([[kept.sha, randomContent(1000).data]]) });
    expectStatus(res, 200);
    expect(res.json().items[0].error.code).toBe('digest_mismatch');
    expect(readFileSync(blobPath(server.dataDir, kept.sha)).equals(kept.data)).toBe(true);
  });

  it('answers an empty pack with no items', async () => {
    const res = await writer.post(PACK, undefined, { body: new FormData() });
    expectStatus(res, 200);
    expect(res.json()).toEqual({ items: [] });
  });

  it('rejects a body that is not multipart, storing nothing', async () => {
    const before = stored();
    const one = randomContent(3);
    expectError(
      await writer.post(PACK, undefined, { body: one.data, headers: { 'content-type': 'application/octet-stream' } }),
      400,
      'invalid_request',
    );
    expectError(await writer.post(PACK, { [one.sha]: 'x' }), 400, 'invalid_request');
    expect(stored()).toEqual(before);
  });

  it('answers a text field with 400 invalid_request whose details say what became of every other part', async () => {
    const one = randomContent(3);
    const other = randomContent(4);
    const form = packForm([[other.sha, other.data]]);
    form.append(one.sha, 'text, not a file');
    const error = expectError(await writer.post(PACK, undefined, { body: form }), 400, 'invalid_request');
    expect(error.message).toMatch(/part 2 .* has no file name/);
    expect(error.details.items).toEqual([
      { sha256: other.sha, size: 4, created: true },
      { sha256: one.sha, error: { code: 'invalid_request', message: 'not a file part: not stored' } },
    ]);
    expect(stored()).not.toContain(`${one.sha.slice(0, 2)}/${one.sha}`);
  });

  it('answers a part without Content-Disposition with 400, never dropping it silently', async () => {
    const named = randomContent(9);
    const anonymous = randomContent(7);
    const boundary = 'nodisp';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Type: application/octet-stream\r\n\r\n`),
      anonymous.data,
      Buffer.from(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="${named.sha}"; filename="y"\r\n\r\n`),
      named.data,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const res = await writer.post(PACK, undefined, { body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
    const error = expectError(res, 400, 'invalid_request');
    expect(error.message).toMatch(/1 part without a Content-Disposition/);
    expect(error.details).toEqual({ items: [{ sha256: named.sha, size: 9, created: true }], unnamed_parts: 1 });
  });

  it('reports every part of a pack of 1,001: the first 1,000 stored, the last refused and not stored', async () => {
    const parts: Array<[string, Buffer]> = [];
    for (let i = 0; i < 1001; i++) {
      const c = Buffer.from(`part ${i} of too many ${Date.now()}`);
      parts.push([sha256(c), c]);
    }
    const res = await writer.post(PACK, undefined, { body: packForm(parts) });
    expectStatus(res, 200);
    const items = res.json().items;
    expect(items).toHaveLength(1001);
    expect(items.slice(0, 1000).every((item: any, i: number) => item.sha256 === parts[i][0] && item.created === true)).toBe(true);
    expect(items[1000]).toEqual({
      sha256: parts[1000][0],
      error: { code: 'payload_too_large', message: 'a pack carries at most 1000 parts: not stored' },
    });
    expect(stored()).not.toContain(`${parts[1000][0].slice(0, 2)}/${parts[1000][0]}`);
    expectStatus(await reader.get('/health'), 200);
  });

  it('answers two parts of one digest created true, then false, in part order', async () => {
    const twice = randomContent(50_000);
    for (let round = 0; round < 5; round++) {
      const again = randomContent(20_000 + round);
      const res = await writer.post(PACK, undefined, {
        body: packForm([
          [again.sha, again.data],
          [again.sha, again.data],
        ]),
      });
      expectStatus(res, 200);
      expect(res.json().items).toEqual([
        { sha256: again.sha, size: again.data.length, created: true },
        { sha256: again.sha, size: again.data.length, created: false },
      ]);
    }
    const res = await writer.post(PACK, undefined, {
      body: packForm([
        [twice.sha, twice.data],
        [twice.sha, twice.data],
        [twice.sha, twice.data],
      ]),
    });
    expect(res.json().items.map((i: any) => i.created)).toEqual([true, false, false]);
  });

  it.each([
    ['no boundary', 'multipart/form-data', '--b\r\n'],
    ['no part at all', 'multipart/form-data; boundary=b', 'not multipart at all'],
    ['a part cut in its headers', 'multipart/form-data; boundary=b', '--b\r\nContent-Disposition: form-data; name="x"'],
    [
      'a part cut in its content',
      'multipart/form-data; boundary=b',
      `--b\r\nContent-Disposition: form-data; name="${'a'.repeat(64)}"; filename="x"\r\n\r\nhel`,
    ],
  ])('answers a malformed body (%s) with 400 invalid_request, storing nothing', async (_label, type, text) => {
    const before = stored();
    const res = await writer.post(PACK, undefined, { body: Buffer.from(text), headers: { 'content-type': type } });
    expect(expectError(res, 400, 'invalid_request').message).toMatch(/malformed|interrupted/);
    expect(stored()).toEqual(before);
    expect(readdirSync(join(server.dataDir, 'blobs', '.tmp'))).toEqual([]);
  });

  it('needs the write scope: a read key and no key store nothing, a write key the same body', async () => {
    const one = randomContent(8);
    // Sent whole with the headers: the refusal comes before the server reads a byte of the body.
    const boundary = 'pack-boundary';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${one.sha}"; filename="${one.sha}"\r\n\r\n`),
      one.data,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const headers = { 'content-type': `multipart/form-data; boundary=${boundary}` };
    const path = `${one.sha.slice(0, 2)}/${one.sha}`;
    expectError(await reader.post(PACK, undefined, { body, headers }), 403, 'forbidden');
    expectError(await writer.as(undefined).post(PACK, undefined, { body, headers }), 401, 'unauthorized');
    expect(stored()).not.toContain(path);
    const res = await writer.post(PACK, undefined, { body, headers });
    expectStatus(res, 200);
    expect(res.json()).toEqual({ items: [{ sha256: one.sha, size: 8, created: true }] });
    expect(stored()).toContain(path);
  });

  it('a client that dies in the middle of a pack leaves the parts it sent whole, nothing of the cut one, no temporary file', async () => {
    const done = [randomContent(30_000), randomContent(40_000)];
    const cut = randomContent(60_000);
    const boundary = 'cut-boundary';
    const part = (c: { sha: string; data: Buffer }) =>
      Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${c.sha}"; filename="x"\r\n\r\n`),
        c.data,
        Buffer.from('\r\n'),
      ]);
    const body = Buffer.concat([...done.map(part), part(cut), Buffer.from(`--${boundary}--\r\n`)]);
    const sent = body.subarray(0, body.length - 30_000);
    const head =
      `POST ${PACK} HTTP/1.1\r\nHost: x\r\nX-API-Key: ${writer.key}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\n` +
      `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
    await rawExchange(server.port, [head, sent], { hangUp: true });
    await new Promise((r) => setTimeout(r, 500));
    for (const c of done) expect(readFileSync(blobPath(server.dataDir, c.sha)).equals(c.data)).toBe(true);
    expect((await writer.head(`/api/v1/blobs/${cut.sha}`)).status).toBe(404);
    expect(stored()).not.toContain(`${cut.sha.slice(0, 2)}/${cut.sha}`);
    expect(readdirSync(join(server.dataDir, 'blobs', '.tmp'))).toEqual([]);
    expectStatus(await reader.get('/health'), 200);
  });
});
