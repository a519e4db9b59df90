import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HoardError } from '@app/contracts';
import { HttpTransport } from './http-transport';
import { RetryPolicy } from './retry-policy';

const dir = mkdtempSync(join(tmpdir(), 'hoard-file-upload-'));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function file(name: string, bytes: number): { path: string; content: Buffer } {
  const content = randomBytes(bytes);
  const path = join(dir, name);
  writeFileSync(path, content);
  return { path, content };
}

interface Received {
  url: string;
  headers: IncomingMessage['headers'];
  digest: string;
  bytes: number;
  complete: boolean;
}

/**
 * A server that takes each body at its own pace (`delayMs` between chunks read, the first after `startMs`) and
 * answers with `answer`.
 */
async function listen(
  answer: (req: IncomingMessage, got: Received, res: ServerResponse) => void,
  delayMs = 0,
  startMs = 0,
): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    if (startMs > 0) {
      req.pause();
      setTimeout(() => req.resume(), startMs);
    }
    const hash = createHash('sha256');
    const got: Received = { url: req.url ?? '', headers: req.headers, digest: '', bytes: 0, complete: false };
    received.push(got);
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      got.bytes += chunk.length;
      if (delayMs > 0) {
        req.pause();
        setTimeout(() => req.resume(), delayMs);
      }
    });
    req.on('end', () => {
      got.digest = hash.digest('hex');
      got.complete = true;
      answer(req, got, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

const ok = (_req: IncomingMessage, got: Received, res: ServerResponse) =>
  res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ sha256: got.digest, size: got.bytes, created: true }));

function transport(url: string, retries = 3): HttpTransport {
  return new HttpTransport({
    baseUrl: url,
    apiKey: 'k1',
    userAgent: 'test',
    retry: new RetryPolicy({ retries, baseDelayMs: 1, maxDelayMs: 5 }),
  });
}

const put = (sut: HttpTransport, f: { path: string; content: Buffer }, size = f.content.length) =>
  sut.jsonFile<{ sha256: string; size: number }>({ method: 'PUT', path: `/b/${sha(f.content)}`, what: 'upload' }, { path: f.path, size });

describe('HttpTransport.jsonFile', () => {
  let server: Server | undefined;
  let sut: HttpTransport | undefined;
  afterEach(async () => {
    await sut?.close();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = sut = undefined;
  });

  it('sends every byte of the file with its length, the key and the other headers', async () => {
    const s = await listen(ok);
    server = s.server;
    sut = transport(s.url);
    const f = file('big', 5 * 1024 * 1024 + 123);
    expect(await put(sut, f)).toEqual({ sha256: sha(f.content), size: f.content.length, created: true });
    expect(s.received[0]).toMatchObject({ url: `/b/${sha(f.content)}`, bytes: f.content.length, digest: sha(f.content) });
    expect(s.received[0].headers).toMatchObject({ 'content-length': String(f.content.length), 'x-api-key': 'k1', 'user-agent': 'test' });
  });

  it('never overwrites a buffer still being sent: uploads at once to a server that reads late arrive intact', async () => {
    // The server starts reading each body late, so the sockets fill and writes wait; buffers go round the pool
    // between the uploads meanwhile.
    const s = await listen(ok, 0, 300);
    server = s.server;
    sut = transport(s.url);
    const files = Array.from({ length: 6 }, (_, i) => file(`f${i}`, 16 * 1024 * 1024 + i * 4099));
    const answers = await Promise.all(files.map((f) => put(sut!, f)));
    expect(answers.map((a) => a.sha256)).toEqual(files.map((f) => sha(f.content)));
    expect(s.received.map((r) => r.digest).sort()).toEqual(files.map((f) => sha(f.content)).sort());
  });

  it('sends an empty file as an empty body', async () => {
    const s = await listen(ok);
    server = s.server;
    sut = transport(s.url);
    const f = file('empty', 0);
    expect(await put(sut, f)).toMatchObject({ size: 0, sha256: sha(Buffer.alloc(0)) });
  });

  it('fails with digest_mismatch, unretried and storing nothing, when the file no longer has its size', async () => {
    const s = await listen(ok);
    server = s.server;
    sut = transport(s.url);
    const f = file('shrunk', 2 * 1024 * 1024);
    truncateSync(f.path, 1024 * 1024);
    const err = await put(sut, f).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HoardError);
    expect((err as HoardError).code).toBe('digest_mismatch');
    expect(s.received.filter((r) => r.complete)).toEqual([]);
    expect(s.received.length).toBeLessThanOrEqual(1);
  });

  it('fails with the file error, unretried, when the file is gone', async () => {
    const s = await listen(ok);
    server = s.server;
    sut = transport(s.url);
    const err = await put(sut, { path: join(dir, 'missing'), content: Buffer.from('x') }).catch((e: unknown) => e);
    expect((err as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(s.received.filter((r) => r.complete)).toEqual([]);
  });

  it('retries a 503, reading the file again from its start', async () => {
    const s = await listen((req, got, res) => {
      if (s.received.length === 1) res.writeHead(503).end();
      else ok(req, got, res);
    });
    server = s.server;
    sut = transport(s.url);
    const f = file('retried', 1536 * 1024);
    expect(await put(sut, f)).toMatchObject({ sha256: sha(f.content) });
    expect(s.received.map((r) => r.digest)).toEqual([sha(f.content), sha(f.content)]);
  });

  it('rebuilds a refusal as the HoardError of its body', async () => {
    const s = await listen((_req, _got, res) =>
      res
        .writeHead(422, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { code: 'digest_mismatch', message: 'no match' } })),
    );
    server = s.server;
    sut = transport(s.url);
    const err = (await put(sut, file('refused', 4096)).catch((e: unknown) => e)) as HoardError;
    expect([err.code, err.message, s.received.length]).toEqual(['digest_mismatch', 'no match', 1]);
  });

  it('answers a refusal sent before the body was read, without waiting for the rest', async () => {
    const s = await listen(ok);
    server = s.server;
    // Refuses on the headers alone, then reads the rest of the body away, at its own pace.
    let bodyBytes = 0;
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      req.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'unauthorized', message: 'bad key' } }));
    });
    sut = transport(s.url);
    const size = 256 * 1024 * 1024;
    const sparse = file('early', 0);
    truncateSync(sparse.path, size);
    const err = (await put(sut, sparse, size).catch((e: unknown) => e)) as HoardError;
    expect([err.code, err.message]).toEqual(['unauthorized', 'bad key']);
    expect(bodyBytes).toBeLessThan(size);
  });

  it('closes the file when answered while the socket is full, the server taking none of the body', async () => {
    const s = await listen(ok);
    server = s.server;
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      req.pause();
      setTimeout(
        () => res.writeHead(403, { 'content-type': 'application/json' }).end('{"error":{"code":"forbidden","message":"no"}}'),
        100,
      );
    });
    sut = transport(s.url);
    const size = 256 * 1024 * 1024;
    const sparse = file('stuck', 0);
    truncateSync(sparse.path, size);
    const openFiles = () => readdirSync('/proc/self/fd').length;
    const before = openFiles();
    const err = (await put(sut, sparse, size).catch((e: unknown) => e)) as HoardError;
    expect(err.code).toBe('forbidden');
    // The file is closed by a callback of its own, after the answer: watched for, turn by turn of the event loop.
    for (let turn = 0; turn < 10_000 && openFiles() > before; turn++) await new Promise((r) => setImmediate(r));
    expect(openFiles()).toBeLessThanOrEqual(before);
  });

  it('is unavailable after its retries when nothing listens', async () => {
    const s = await listen(ok);
    const url = s.url;
    await new Promise<void>((r) => s.server.close(() => r()));
    sut = transport(url, 2);
    const err = (await put(sut, file('nobody', 10)).catch((e: unknown) => e)) as HoardError;
    expect(err.code).toBe('unavailable');
  });
});
