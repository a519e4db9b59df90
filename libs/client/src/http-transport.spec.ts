import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { Readable } from 'node:stream';
import { HoardError } from '@app/contracts';
import { HttpTransport } from './http-transport';
import { RetryPolicy } from './retry-policy';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

async function listen(handler: Handler): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function transport(url: string, retries = 3): HttpTransport {
  return new HttpTransport({
    baseUrl: url,
    apiKey: 'k1',
    userAgent: 'test',
    retry: new RetryPolicy({ retries, baseDelayMs: 1, maxDelayMs: 5 }),
  });
}

describe('HttpTransport', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  it('rebuilds the error body as a HoardError with the HTTP status and does not retry a 4xx', async () => {
    let calls = 0;
    const s = await listen((_req, _body, res) => {
      calls++;
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'not_found', message: 'no such blob', details: { sha256: 'x' } } }));
    });
    server = s.server;
    const sut = transport(s.url);
    const err = (await sut.json({ method: 'GET', path: '/x', what: 'get' }).catch((e: any) => e)) as any;
    expect(err).toBeInstanceOf(HoardError);
    expect([err.code, err.message, err.details, err.status, calls]).toEqual(['not_found', 'no such blob', { sha256: 'x' }, 404, 1]);
  });

  it('retries a 503 and a 429 (honouring Retry-After) and re-creates a streamed body each time', async () => {
    const seen: string[] = [];
    const s = await listen((req, body, res) => {
      seen.push(`${req.headers['x-api-key']}:${body}`);
      if (seen.length === 1) res.writeHead(503).end();
      else if (seen.length === 2) res.writeHead(429, { 'retry-after': '0' }).end();
      else res.writeHead(201, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    server = s.server;
    const sut = transport(s.url);
    const res = await sut.json({ method: 'PUT', path: '/b', body: () => Readable.from([Buffer.from('abc')]), what: 'put' });
    expect(res).toEqual({ ok: true });
    expect(seen).toEqual(['k1:abc', 'k1:abc', 'k1:abc']);
  });

  it('does not retry a 503 for a request that is not idempotent', async () => {
    let calls = 0;
    const s = await listen((_req, _body, res) => {
      calls++;
      res.writeHead(503).end();
    });
    server = s.server;
    const err = (await transport(s.url)
      .json({ method: 'POST', path: '/keys', json: {}, what: 'create' })
      .catch((e: any) => e)) as any;
    expect([err.code, calls]).toEqual(['unavailable', 1]);
  });

  it('turns a refused connection into `unavailable` after exactly the retries of its policy, with the cause', async () => {
    const s = await listen(() => undefined);
    await new Promise<void>((r) => s.server.close(() => r()));
    const canRetry = jest.spyOn(RetryPolicy.prototype, 'canRetry');
    try {
      const err = (await transport(s.url, 2)
        .json({ method: 'GET', path: '/x', what: 'get' })
        .catch((e: any) => e)) as any;
      expect(err).toBeInstanceOf(HoardError);
      expect([err.code, err.cause?.code]).toEqual(['unavailable', 'ECONNREFUSED']);
      expect(canRetry.mock.calls.map(([attempt]) => attempt)).toEqual([0, 1, 2]);
    } finally {
      canRetry.mockRestore();
    }
  });

  it('reuses connections, and opens a new one once the server has closed an idle one, even for a POST it will not retry', async () => {
    const ports = new Set<number>();
    const s = await listen((req, _body, res) => {
      ports.add(req.socket.remotePort!);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    server = s.server;
    const sut = transport(s.url, 0);
    const sockets: Socket[] = [];
    const opened = (message: unknown) => sockets.push((message as { socket: Socket }).socket);
    subscribe('net.client.socket', opened);
    try {
      for (let i = 0; i < 3; i++) await sut.json({ method: 'GET', path: '/x', what: 'get' });
      expect([ports.size, sockets.length]).toEqual([1, 1]);
      // The client has seen its pooled connection closed by the server before it sends again.
      const closed = once(sockets[0], 'close');
      s.server.closeIdleConnections();
      await closed;
      expect(await sut.json({ method: 'POST', path: '/keys', json: {}, what: 'create' })).toEqual({ ok: true });
      expect([ports.size, sockets.length]).toEqual([2, 2]);
    } finally {
      unsubscribe('net.client.socket', opened);
      await sut.close();
    }
  });

  it('streams a large answer to the caller as it arrives', async () => {
    const big = Buffer.alloc(8 * 1024 * 1024, 7);
    const s = await listen((_req, _body, res) => res.writeHead(200, { 'content-length': String(big.length) }).end(big));
    server = s.server;
    const sut = transport(s.url);
    const res = await sut.send({ method: 'GET', path: '/blob', what: 'download' });
    let bytes = 0;
    for await (const chunk of res.body) bytes += (chunk as Buffer).length;
    expect([res.statusCode, res.headers['content-length'], bytes]).toEqual([200, String(big.length), big.length]);
    await sut.close();
  });

  it('rethrows an error of the body stream itself instead of retrying it as a network failure', async () => {
    const s = await listen((_req, _body, res) => res.writeHead(200).end('{}'));
    server = s.server;
    let bodies = 0;
    const failing = () => {
      bodies++;
      return new Readable({
        read() {
          this.destroy(Object.assign(new Error('gone'), { code: 'ENOENT' }));
        },
      });
    };
    const err = (await transport(s.url)
      .json({ method: 'PUT', path: '/b', body: failing, what: 'put' })
      .catch((e: any) => e)) as any;
    expect([err.code, bodies]).toEqual(['ENOENT', 1]);
  });
});
