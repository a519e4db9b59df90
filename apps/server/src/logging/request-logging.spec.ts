import { Logger } from '@nestjs/common';
import Fastify, { FastifyInstance } from 'fastify';
import { Writable } from 'node:stream';
import { noteErrorCode } from './response-error';
import { createHttpLogger } from './http-logger';
import { createNestLogger } from './nest-logger';
import { requestIdOf } from './request-id';
import { registerRequestLogging } from './request-logging';
import { createRootLogger } from './root-logger';

/** A destination keeping every line written, parsed. */
class Lines extends Writable {
  readonly all: Array<Record<string, any>> = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) if (line) this.all.push(JSON.parse(line));
    done();
  }
  of(requestId: string) {
    return this.all.filter((l) => l.request_id === requestId);
  }
}

describe('registerRequestLogging', () => {
  let sut: FastifyInstance;
  let out: Lines;

  beforeEach(async () => {
    out = new Lines();
    const root = createRootLogger('info', out);
    Logger.overrideLogger(createNestLogger(root));
    sut = Fastify({ loggerInstance: root, genReqId: requestIdOf }) as unknown as FastifyInstance;
    registerRequestLogging(sut, createHttpLogger(root));
    const service = new Logger('Things');
    sut.post('/things', async (request) => {
      // A service logs after the body was read, several turns after the request came in.
      await new Promise((r) => setTimeout(r, 5));
      service.warn(`stored ${(request.body as { n: number }).n}`);
      return { ok: true };
    });
    sut.get('/refused', async (_request, reply) => {
      noteErrorCode(reply.raw, 'forbidden');
      return reply.status(403).send({ error: { code: 'forbidden', message: 'no' } });
    });
    sut.get('/broken', async (_request, reply) => reply.status(503).send({}));
    await sut.ready();
  });

  afterEach(async () => {
    await sut.close();
    Logger.overrideLogger(false);
  });

  it('echoes the request id and writes one request line at info for a success', async () => {
    const res = await sut.inject({ method: 'POST', url: '/things', headers: { 'x-request-id': 'abc-1' }, payload: { n: 7 } });
    expect(res.headers['x-request-id']).toBe('abc-1');
    const mine = out.of('abc-1');
    expect(mine.map((l) => [l.level, l.msg])).toEqual([['info', 'request']]);
    expect(mine[0]).toMatchObject({ method: 'POST', route: '/things', status: 200, key_id: null, completed: true });
    expect(mine[0]).not.toHaveProperty('error_code');
    // By default the service's line is not bound to the request (see registerRequestLogging).
    expect(out.all.filter((l) => l.context === 'Things').map((l) => [l.level, l.msg, l.request_id ?? null])).toEqual([
      ['warn', 'stored 7', null],
    ]);
  });

  it('binds what a service logs to the request it handles when asked to', async () => {
    await sut.close();
    sut = Fastify({ loggerInstance: createRootLogger('info', out), genReqId: requestIdOf }) as unknown as FastifyInstance;
    registerRequestLogging(sut, createHttpLogger(createRootLogger('info', out)), true);
    const service = new Logger('Things');
    sut.post('/things', async (request) => {
      await new Promise((r) => setImmediate(r));
      service.warn(`stored ${(request.body as { n: number }).n}`);
      return { ok: true };
    });
    await sut.inject({ method: 'POST', url: '/things', headers: { 'x-request-id': 'abc-2' }, payload: { n: 8 } });
    expect(out.of('abc-2').map((l) => [l.level, l.context ?? null, l.msg])).toEqual([
      ['warn', 'Things', 'stored 8'],
      ['info', null, 'request'],
    ]);
  });

  it('writes a refused request at warn with its error code, a failed one at error', async () => {
    await sut.inject({ method: 'GET', url: '/refused', headers: { 'x-request-id': 'r-1' } });
    await sut.inject({ method: 'GET', url: '/broken', headers: { 'x-request-id': 'b-1' } });
    expect(out.of('r-1')).toEqual([expect.objectContaining({ level: 'warn', status: 403, error_code: 'forbidden', msg: 'request' })]);
    expect(out.of('b-1')).toEqual([expect.objectContaining({ level: 'error', status: 503, msg: 'request' })]);
  });

  it('logs a request no route matched, under a generated id', async () => {
    const res = await sut.inject({ method: 'GET', url: '/nowhere' });
    const id = String(res.headers['x-request-id']);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    // Fastify's own 404 handler says so at info too (the server's answers 404 through the exception filter).
    expect(out.of(id).filter((l) => l.msg === 'request')).toEqual([
      expect.objectContaining({ level: 'warn', route: 'unmatched', status: 404 }),
    ]);
  });

  it('redacts keys wherever a line holds request headers', () => {
    const root = createRootLogger('info', out);
    root.info({ req: { headers: { authorization: 'Bearer hk_secret', 'x-api-key': 'hk_other' } }, password: 'hk_third' }, 'headers');
    const line = JSON.stringify(out.all.at(-1));
    expect(line).not.toMatch(/hk_secret|hk_other|hk_third/);
    expect(out.all.at(-1)).toMatchObject({
      req: { headers: { authorization: '[redacted]', 'x-api-key': '[redacted]' } },
      password: '[redacted]',
    });
  });
});
