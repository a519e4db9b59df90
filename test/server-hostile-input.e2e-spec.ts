import { expectError, expectStatus, fileMeta, Http, randomContent, sha256, useServerWithKeys } from './support/http';
import { head, rawRequest } from './support/raw-http';
import type { RunningServer } from './support/server';

const MiB = 1024 * 1024;

/** An 8 MB JSON body of 2,000,000 bad digests-in-the-making, for any bulk route. */
function floodBody(): Buffer {
  const item = '"zzzz",';
  const inner = item.repeat(Math.floor((8_000_000 - 40) / item.length)).slice(0, -1);
  return Buffer.from(`{"sha256":[${inner}],"files":[],"ids":[],"filepaths":[],"hostname":"h"}`);
}

/** A JSON object of `count` junk keys, just under 16 MiB. */
function manyKeys(count: number): Buffer {
  const pad = Math.floor((16 * MiB - 2) / count) - 5;
  const parts: string[] = [];
  for (let i = 0; i < count; i++) parts.push(`"${String(i).padStart(pad, 'k')}":0`);
  return Buffer.from(`{${parts.join(',')}}`);
}

/** The error shape, read off a raw answer. */
function errorOf(answer: { status: number; headers: Record<string, string>; body: string }): { code: string; message: string } {
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  const parsed = JSON.parse(answer.body);
  expect(Object.keys(parsed)).toEqual(['error']);
  return parsed.error;
}

describe('server: hostile bodies cost nothing before the key is checked', () => {
  let server: RunningServer;
  let admin: Http;
  let writer: Http;
  let reader: Http;
  useServerWithKeys((s) => ({ server, admin, writer, reader } = s));

  it.each([
    '/api/v1/blobs/missing',
    '/api/v1/files/batch',
    '/api/v1/files/seen',
    '/api/v1/files',
    '/api/v1/files/deleted',
    '/put_file',
    '/api/v1/keys',
  ])('an 8 MB keyless body to %s is answered 401 in under 1 KiB, unread', async (path) => {
    const body = floodBody();
    expect(body.length).toBeGreaterThan(7_900_000);
    const answer = await rawRequest(server.port, [
      head('POST', path, { 'Content-Type': 'application/json', 'Content-Length': body.length }),
      body,
    ]);
    expect(answer.status).toBe(401);
    expect(errorOf(answer).code).toBe('unauthorized');
    expect(answer.headers.connection).toBe('close');
    expect(answer.size).toBeLessThan(1024);
    expectStatus(await reader.get('/health'), 200);
  });

  it('the same body with a read key on a write route is 403, with a write key a 400 naming 20 fields and counting the rest', async () => {
    const body = floodBody();
    const forbidden = await reader.call('POST', '/api/v1/files/batch', { body, headers: { 'content-type': 'application/json' } });
    expectError(forbidden, 403, 'forbidden');
    const res = await writer.call('POST', '/api/v1/blobs/missing', { body, headers: { 'content-type': 'application/json' } });
    const error = expectError(res, 400, 'validation_failed');
    expect(error.details.fields).toHaveLength(20);
    expect(error.details.fields[0]).toEqual({ field: 'sha256', errors: ['sha256 must have at most 10000 items'] });
    expect(error.details.more).toBe(10_002 - 20);
    expect(res.body.length).toBeLessThan(8 * 1024);
  });

  it.each([
    ['/api/v1/files', 'write'],
    ['/put_file', 'write'],
    ['/api/v1/files/deleted', 'write'],
    ['/api/v1/keys', 'admin'],
  ])('a 16 MiB object of 950,000 keys to %s is a 400 before it is parsed', async (path, scope) => {
    const body = manyKeys(950_000);
    expect(body.length).toBeLessThanOrEqual(16 * MiB);
    const client = scope === 'admin' ? admin : writer;
    const error = expectError(
      await client.call('POST', path, { body, headers: { 'content-type': 'application/json' } }),
      400,
      'invalid_request',
    );
    expect(error.message).toBe('An object of the JSON body has more than 1000 members');
    expectStatus(await reader.get('/health'), 200);
  });

  it('1,000 unknown fields in an object are ignored; one more is refused', async () => {
    const extra = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`x${i}`, i]));
    expectStatus(await writer.post('/api/v1/files', { ...extra(1000 - 4), ...fileMeta() }), 201);
    expectError(await writer.post('/api/v1/files', { ...extra(1000 - 3), ...fileMeta() }), 400, 'invalid_request');
  });

  it('a body nested 5,000 deep is a 400 before anything parses it', async () => {
    const nested = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
    const body = JSON.stringify(fileMeta()).replace(/}$/, `,"mtime":${nested}}`);
    const error = expectError(
      await writer.call('POST', '/api/v1/files', { body, headers: { 'content-type': 'application/json' } }),
      400,
      'invalid_request',
    );
    expect(error.message).toBe('The JSON body is nested deeper than 32 levels');
    expect(server.output()).not.toMatch(/RangeError|Maximum call stack/);
  });

  it('bytes that are not UTF-8 are named as such, a missing field is "required", limit=abc "must be an integer"', async () => {
    const bad = Buffer.concat([Buffer.from('{"hostname":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const utf8 = expectError(
      await writer.call('POST', '/api/v1/files', { body: bad, headers: { 'content-type': 'application/json' } }),
      400,
      'invalid_request',
    );
    expect(utf8.message).toBe('The body is not valid UTF-8 JSON');
    const { hostname: _omitted, ...rest } = fileMeta();
    expect(expectError(await writer.post('/api/v1/files', rest), 400, 'validation_failed').message).toBe('hostname is required');
    expect(expectError(await reader.get('/api/v1/files', { query: { limit: 'abc' } }), 400, 'validation_failed').message).toBe(
      'limit must be an integer',
    );
  });

  it.each([
    ['a relative filepath', { filepath: 'relative/path' }, 'filepath'],
    ['a NUL in the hostname', { hostname: 'host\u0000name' }, 'hostname'],
    ['a NUL in the filepath', { filepath: '/a\u0000b' }, 'filepath'],
    ['null for an optional field', { mode: null }, 'mode'],
  ])('%s is a 400 naming the field', async (_what, override, field) => {
    const error = expectError(await writer.post('/api/v1/files', fileMeta(override)), 400, 'validation_failed');
    expect(error.details.fields.map((f: { field: string }) => f.field)).toEqual([field]);
  });

  it('a key name with a NUL is a 400', async () => {
    expectError(await admin.post('/api/v1/keys', { name: 'a\u0000b', scopes: ['read'] }), 400, 'validation_failed');
  });

  it('PUT /blobs takes any Content-Type as bytes: JSON, text, none', async () => {
    for (const type of ['application/json', 'text/plain', 'image/png', 'multipart/form-data; boundary=x']) {
      const content = Buffer.from(`{"as":"${type}","n":${Math.random()}}`);
      const res = await writer.call('PUT', `/api/v1/blobs/${sha256(content)}`, { body: content, headers: { 'content-type': type } });
      expectStatus(res, 201);
      expect(res.json()).toEqual({ sha256: sha256(content), size: content.length, created: true });
    }
    const bare = randomContent(10);
    expectStatus(await writer.call('PUT', `/api/v1/blobs/${bare.sha}`, { body: bare.data }), 201);
  });

  it('unknown fields of a body are ignored, never echoed', async () => {
    const res = await writer.post('/api/v1/files', { ...fileMeta(), shell: '$(reboot)', nested: { deep: [1, 2] } });
    expectStatus(res, 201);
    expect(res.text).not.toContain('reboot');
  });
});
