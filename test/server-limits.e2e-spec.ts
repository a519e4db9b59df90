import { blobFilesOnDisk, expectError, expectStatus, Http, randomContent } from './support/http';
import { head, holdRequest, parseAnswer, rawRequest, until } from './support/raw-http';
import { LOOSE_BLOBS, RunningServer, startServer } from './support/server';

/** The error shape read off a raw answer, with its code. */
function errorCode(answer: { headers: Record<string, string>; body: string }): string {
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(answer.body);
  expect(Object.keys(body)).toEqual(['error']);
  expect(typeof body.error.message).toBe('string');
  return body.error.code;
}

describe('server: slow clients and upload caps, with short configured limits', () => {
  let server: RunningServer;
  let admin: Http;
  let writerA: string;
  let writerB: string;
  let writerC: string;

  beforeAll(async () => {
    server = await startServer({
      env: {
        ...LOOSE_BLOBS,
        HOARD_IDLE_TIMEOUT_SECONDS: '1',
        HOARD_JSON_TIMEOUT_SECONDS: '1',
        HOARD_HEADERS_TIMEOUT_SECONDS: '1',
        HOARD_MAX_UPLOADS: '2',
        HOARD_MAX_UPLOADS_PER_KEY: '1',
      },
    });
    admin = new Http(server.url, server.adminKey);
    writerA = (await admin.mintKey(['write'], 'a')).key;
    writerB = (await admin.mintKey(['write'], 'b')).key;
    writerC = (await admin.mintKey(['write'], 'c')).key;
  });

  afterAll(async () => {
    await server?.stop();
  });

  const upload = (key: string, sha: string, length: number) =>
    head('PUT', `/api/v1/blobs/${sha}`, { 'X-API-Key': key, 'Content-Type': 'application/octet-stream', 'Content-Length': length });

  it('a JSON body that trickles in is answered 408 in the error shape once its deadline passes', async () => {
    const body = JSON.stringify({ sha256: [randomContent(1).sha] });
    const held = await holdRequest(server.port, [
      head('POST', '/api/v1/blobs/missing', {
        'X-API-Key': server.adminKey,
        'Content-Type': 'application/json',
        'Content-Length': body.length,
      }),
    ]);
    // One byte every 300 ms keeps the connection busy, but the body as a whole never arrives within the second.
    const trickle = setInterval(() => held.socket.write(body[0]), 300);
    try {
      await held.closed;
    } finally {
      clearInterval(trickle);
    }
    const answer = parseAnswer(held.received());
    expect(answer.status).toBe(408);
    expect(errorCode(answer)).toBe('request_timeout');
  });

  it('an upload that stops sending is cut after the idle timeout: nothing stored, no temporary file, its slot free again', async () => {
    const { data, sha } = randomContent(100_000);
    const held = await holdRequest(server.port, [upload(writerA, sha, data.length), data.subarray(0, 50_000)]);
    await held.closed;
    await until(() => !blobFilesOnDisk(server.dataDir).some((f) => f.startsWith('.tmp/')));
    expect((await admin.head(`/api/v1/blobs/${sha}`)).status).toBe(404);
    const again = await new Http(server.url, writerA).put(`/api/v1/blobs/${sha}`, data);
    expectStatus(again, 201);
  });

  it('caps uploads per key (429) and in all (503) with Retry-After, before reading a byte; a slot frees when its upload ends', async () => {
    const first = randomContent(10_000);
    const second = randomContent(10_000);
    const a = await holdRequest(server.port, [upload(writerA, first.sha, first.data.length), first.data.subarray(0, 10)]);
    const b = await holdRequest(server.port, [upload(writerB, second.sha, second.data.length), second.data.subarray(0, 10)]);
    await until(() => blobFilesOnDisk(server.dataDir).filter((f) => f.startsWith('.tmp/')).length === 2);

    const sameKey = await rawRequest(server.port, [upload(writerA, second.sha, 4), 'abcd']);
    expect(sameKey.status).toBe(429);
    expect(errorCode(sameKey)).toBe('rate_limited');
    expect(sameKey.headers['retry-after']).toBe('2');
    const anyKey = await rawRequest(server.port, [upload(writerC, second.sha, 4), 'abcd']);
    expect(anyKey.status).toBe(503);
    expect(errorCode(anyKey)).toBe('unavailable');
    expect(anyKey.headers['retry-after']).toBe('2');

    a.socket.write(first.data.subarray(10));
    b.socket.write(second.data.subarray(10));
    const answered = (held: typeof a) => held.received().includes('\r\n\r\n');
    await until(() => answered(a) && answered(b));
    expect([parseAnswer(a.received()).status, parseAnswer(b.received()).status]).toEqual([201, 201]);
    const third = randomContent(10);
    expectStatus(await new Http(server.url, writerC).put(`/api/v1/blobs/${third.sha}`, third.data), 201);
  });

  it('headers that never finish are answered 408 in the error shape', async () => {
    const held = await holdRequest(server.port, ['GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ']);
    // A byte every 300 ms keeps the connection from idling out; the headers as a whole still miss their deadline.
    const trickle = setInterval(() => held.socket.write('a'), 300);
    try {
      await held.closed;
    } finally {
      clearInterval(trickle);
    }
    const answer = parseAnswer(held.received());
    expect(answer.status).toBe(408);
    expect(errorCode(answer)).toBe('request_timeout');
  });
});

describe('server: errors below the app answer in the error shape', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it.each([
    ['a negative Content-Length', 'POST /api/v1/files HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n', 400, 'invalid_request'],
    [
      'a Content-Length that is not a number',
      'POST /api/v1/files HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
      400,
      'invalid_request',
    ],
    [
      'both Content-Length and Transfer-Encoding',
      'POST /api/v1/files HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      400,
      'invalid_request',
    ],
    ['a control character in a header', 'GET /health HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0001b\r\n\r\n', 400, 'invalid_request'],
    ['headers over the size limit', `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'headers_too_large'],
    ['a malformed request line', 'GET /health HTTP/1.1 extra\r\nHost: x\r\n\r\n', 400, 'invalid_request'],
    ['a bad percent-encoding', 'GET /api/v1/blobs/%ZZ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 400, 'invalid_request'],
  ])('%s is answered in the error shape', async (_what, request, status, code) => {
    const answer = await rawRequest(server.port, [request]);
    expect(answer.status).toBe(status);
    expect(errorCode(answer)).toBe(code);
    expectStatus(await new Http(server.url).get('/health'), 200);
  });

  it('a method the resource lacks -> 405 with Allow, in the error shape', async () => {
    const res = await new Http(server.url, server.adminKey).call('PATCH', '/api/v1/files');
    expectError(res, 405, 'method_not_allowed');
    expect(res.header('allow')).toBe('GET, POST, DELETE');
  });
});

describe('server: load shedding', () => {
  it('answers 503 with Retry-After while the heap is over its limit, and /health and /ready still 200', async () => {
    const server = await startServer({ env: { HOARD_MAX_HEAP_BYTES: '1' } });
    try {
      // Unchecked: the document itself is shed.
      const admin = new Http(server.url, server.adminKey, false);
      // The heap is sampled about once a second: wait for the first sample to say it is over the limit.
      let shed = await admin.get('/api/v1/stats');
      for (let i = 0; i < 100 && shed.status !== 503; i++) {
        await new Promise((r) => setTimeout(r, 50));
        shed = await admin.get('/api/v1/stats');
      }
      expectError(shed, 503, 'unavailable');
      expect(shed.header('retry-after')).toBe('5');
      expect(shed.json().error.message).toBe('The server is under memory pressure; retry in 5 s');
      expectStatus(await admin.get('/health'), 200);
      expectStatus(await admin.get('/ready'), 200);
      expectError(await admin.as(undefined).get('/api/v1/stats'), 503, 'unavailable');
    } finally {
      await server.stop();
    }
  });
});
