import { HoardError } from '@app/contracts';
import Fastify, { FastifyInstance } from 'fastify';
import { registerJsonBodyParser } from '../common/json-body.parser';
import { RouteTable } from '../common/route-table';
import { validatorCompiler } from '../common/schema-validator';
import { ServiceFixture, serviceFixture } from '../testing/service-fixtures';
import { registerAccessControl } from './access-control';
import type { RouteAccess } from './route-access';

describe('registerAccessControl', () => {
  let sut: FastifyInstance;
  let f: ServiceFixture;
  let lookups: jest.SpyInstance;
  let handled: number;
  const secrets: Record<string, string> = {};

  beforeEach(async () => {
    f = await serviceFixture();
    secrets.reader = (await f.keys.create({ name: 'reader', scopes: ['read'] })).key;
    secrets.writer = (await f.keys.create({ name: 'writer', scopes: ['write'] })).key;
    const revoked = await f.keys.create({ name: 'revoked', scopes: ['admin'] });
    await f.keys.revoke(revoked.id);
    secrets.revoked = revoked.key;
    const longAgo = new Date('2020-01-01T00:00:00Z');
    secrets.expired = (
      await f.keys.create({ name: 'expired', scopes: ['admin'], expiresAt: new Date('2021-01-01T00:00:00Z') }, longAgo)
    ).key;
    lookups = jest.spyOn(f.keys, 'authenticate');
    sut = Fastify({ exposeHeadRoutes: false });
    const routes = new RouteTable(sut);
    handled = 0;
    sut.setValidatorCompiler(validatorCompiler);
    registerJsonBodyParser(sut, { maxBytes: 1024, deadlineMs: 1000 });
    registerAccessControl(sut, f.keys, routes);
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

  afterEach(async () => {
    await sut.close();
    await f.close();
  });

  const post = (headers: Record<string, string>, payload = '{"n": "not even read"') =>
    sut.inject({ method: 'POST', url: '/things', headers: { 'content-type': 'application/json', ...headers }, payload });

  it('answers 401 before the body is parsed, closing the connection, without a key lookup', async () => {
    const res = await post({});
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({
      error: { code: 'unauthorized', message: 'An API key is required: send X-API-Key or Authorization: Bearer' },
    });
    expect(res.headers.connection).toBe('close');
    expect(lookups).not.toHaveBeenCalled();
    expect(handled).toBe(0);
  });

  it('answers an unknown, a revoked and an expired key 401, and a read key on a write route 403, whatever the body', async () => {
    const unknown = await post({ 'x-api-key': 'hk_nobody' });
    expect([unknown.statusCode, unknown.json().error.message]).toEqual([401, 'Unknown API key']);
    const revoked = await post({ 'x-api-key': secrets.revoked });
    expect([revoked.statusCode, revoked.json().error.message]).toEqual([401, 'This API key was revoked']);
    const expired = await post({ authorization: `Bearer ${secrets.expired}` });
    expect([expired.statusCode, expired.json().error.message]).toEqual([401, 'This API key has expired']);
    const forbidden = await post({ authorization: `Bearer ${secrets.reader}` });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().error.details).toEqual({ required_scope: 'write', key_scopes: ['read'] });
    expect(lookups).toHaveBeenCalledTimes(4);
    expect(handled).toBe(0);
  });

  it('lets a key with the scope reach validation and the handler', async () => {
    expect((await post({ 'x-api-key': secrets.writer })).json()).toEqual({ error: { code: 'invalid_request' } });
    expect((await post({ 'x-api-key': secrets.writer }, '{"n": 1}')).json()).toEqual({ ok: 1 });
  });

  it('needs no key on a public route and an admin key on a route that declares nothing', async () => {
    expect((await sut.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    expect((await sut.inject({ method: 'GET', url: '/undeclared', headers: { 'x-api-key': secrets.writer } })).statusCode).toBe(403);
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
