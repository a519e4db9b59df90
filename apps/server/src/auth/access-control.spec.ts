import { HoardError, Scope } from '@app/contracts';
import type { KeyRecord } from '@app/metadata';
import Fastify, { FastifyInstance } from 'fastify';
import { registerJsonBodyParser } from '../common/json-body.parser';
import { RouteTable } from '../common/route-table';
import { validatorCompiler } from '../common/schema-validator';
import { registerAccessControl } from './access-control';
import type { KeysService } from './keys.service';
import type { RouteAccess } from './route-access';

/** Keys by secret; every lookup is counted. */
class FakeKeys {
  lookups = 0;
  constructor(private readonly keys: Record<string, Scope[]>) {}

  async authenticate(secret: string): Promise<KeyRecord> {
    this.lookups++;
    const scopes = this.keys[secret];
    if (!scopes) throw new HoardError('unauthorized', 'Unknown API key');
    return { id: `id-${secret}`, name: secret, scopes } as KeyRecord;
  }
}

describe('registerAccessControl', () => {
  let sut: FastifyInstance;
  let keys: FakeKeys;
  let handled: number;

  beforeEach(async () => {
    sut = Fastify({ exposeHeadRoutes: false });
    const routes = new RouteTable(sut);
    keys = new FakeKeys({ reader: ['read'], writer: ['write'] });
    handled = 0;
    sut.setValidatorCompiler(validatorCompiler);
    registerJsonBodyParser(sut, { maxBytes: 1024, deadlineMs: 1000 });
    registerAccessControl(sut, keys as unknown as KeysService, routes);
    sut.setErrorHandler((err: HoardError, _req, reply) => void reply.status(err.status ?? 500).send({ error: { code: err.code } }));
    const write: RouteAccess = { access: 'write' };
    const open: RouteAccess = { access: 'public' };
    const body = { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } };
    sut.post('/things', { config: write, schema: { body } }, async () => ({ ok: ++handled }));
    sut.get('/things/:id', { config: write }, async () => ({ ok: ++handled }));
    sut.get('/health', { config: open }, async () => ({ ok: ++handled }));
    sut.get('/undeclared', async () => ({ ok: ++handled }));
    await sut.ready();
  });

  afterEach(() => sut.close());

  const post = (headers: Record<string, string>, payload = '{"n": "not even read"') =>
    sut.inject({ method: 'POST', url: '/things', headers: { 'content-type': 'application/json', ...headers }, payload });

  it('answers 401 before the body is parsed, closing the connection, without a key lookup', async () => {
    const res = await post({});
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: { code: 'unauthorized', message: 'An API key is required: send X-API-Key or Authorization: Bearer' } });
    expect(res.headers.connection).toBe('close');
    expect(keys.lookups).toBe(0);
    expect(handled).toBe(0);
  });

  it('answers an unknown key 401 and a read key on a write route 403, whatever the body', async () => {
    expect((await post({ 'x-api-key': 'nobody' })).statusCode).toBe(401);
    const forbidden = await post({ authorization: 'Bearer reader' });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().error.details).toEqual({ required_scope: 'write', key_scopes: ['read'] });
    expect(keys.lookups).toBe(2);
  });

  it('lets a key with the scope reach validation and the handler', async () => {
    expect((await post({ 'x-api-key': 'writer' })).json()).toEqual({ error: { code: 'invalid_request' } });
    expect((await post({ 'x-api-key': 'writer' }, '{"n": 1}')).json()).toEqual({ ok: 1 });
  });

  it('needs no key on a public route and an admin key on a route that declares nothing', async () => {
    expect((await sut.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    expect((await sut.inject({ method: 'GET', url: '/undeclared', headers: { 'x-api-key': 'writer' } })).statusCode).toBe(403);
  });

  it('answers a method the resource does not have 405 with Allow, and an unknown path 404', async () => {
    const res = await sut.inject({ method: 'DELETE', url: '/things' });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('POST');
    expect(res.json().error.code).toBe('method_not_allowed');
    expect((await sut.inject({ method: 'PUT', url: '/things/7' })).headers.allow).toBe('GET');
    expect((await sut.inject({ method: 'GET', url: '/nothing' })).statusCode).toBe(404);
  });
});
