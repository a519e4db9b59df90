import { ADMIN_KEY, AppFixture, appFixture } from '../testing/app-fixture';

describe('KeysController (in process)', () => {
  let f: AppFixture;
  beforeEach(async () => (f = await appFixture()));
  afterEach(() => f.close());

  const create = (payload: object, key?: string) => f.request({ method: 'POST', url: '/api/v1/keys', payload }, key);

  it('mints a key shown once (201) that then names itself, and lists keys without secrets', async () => {
    const res = await create({ name: 'ci', scopes: ['read', 'write'], expires_at: '2999-01-01T00:00:00Z' });
    expect(res.statusCode).toBe(201);
    const created = res.json();
    expect(created).toMatchObject({ name: 'ci', scopes: ['read', 'write'], expires_at: '2999-01-01T00:00:00.000Z' });
    const me = await f.request({ method: 'GET', url: '/api/v1/keys/me' }, created.key);
    expect(me.json()).toEqual({ id: created.id, name: 'ci', scopes: ['read', 'write'], hostnames: [], buckets: [] });
    const list = await f.request({ method: 'GET', url: '/api/v1/keys' });
    expect(list.json().map((k: { name: string }) => k.name)).toEqual(['bootstrap-admin', 'ci']);
    expect(list.body).not.toContain(created.key);
    expect(list.body).not.toContain(ADMIN_KEY);
  });

  it('refuses an expiry in the past with 400 naming expires_at, and minting for a key that is not admin (403)', async () => {
    const past = await create({ name: 'late', scopes: ['read'], expires_at: '2001-01-01T00:00:00Z' });
    expect([past.statusCode, past.json().error.code, past.json().error.details]).toEqual([
      400,
      'validation_failed',
      { fields: [{ field: 'expires_at', errors: ['expires_at must be in the future'] }] },
    ]);
    const writer = await f.key('write');
    expect((await create({ name: 'x', scopes: ['admin'] }, writer)).statusCode).toBe(403);
    expect((await f.request({ method: 'GET', url: '/api/v1/keys' })).json()).toHaveLength(2);
  });

  it('mints a key limited to tenants, which names them (me, listing); refuses bad tenant lists (400) and stores nothing', async () => {
    const res = await create({ name: 'lab', scopes: ['write'], hostnames: ['lab-1'], buckets: ['scans'] });
    expect([res.statusCode, res.json().hostnames, res.json().buckets]).toEqual([201, ['lab-1'], ['scans']]);
    const me = await f.request({ method: 'GET', url: '/api/v1/keys/me' }, res.json().key);
    expect(me.json()).toMatchObject({ hostnames: ['lab-1'], buckets: ['scans'] });
    const listed = (await f.request({ method: 'GET', url: '/api/v1/keys' })).json();
    expect(listed[1]).toMatchObject({ name: 'lab', hostnames: ['lab-1'], buckets: ['scans'] });
    expect(listed[0]).toMatchObject({ name: 'bootstrap-admin', hostnames: [], buckets: [] });
    for (const payload of [
      { name: 'adm', scopes: ['admin'], hostnames: ['lab-1'] },
      { name: 'bad', scopes: ['read'], buckets: ['Not A Bucket'] },
      { name: 'nul', scopes: ['read'], hostnames: ['a\u0000b'] },
      { name: 'many', scopes: ['read'], hostnames: Array.from({ length: 101 }, (_, i) => `h${i}`) },
      { name: 'empty', scopes: ['read'], hostnames: [''] },
      { name: 'no-hosts', scopes: ['read'], hostnames: [] },
      { name: 'no-buckets', scopes: ['write'], hostnames: ['lab-1'], buckets: [] },
    ]) {
      const refused = await create(payload);
      expect([payload.name, refused.statusCode, refused.json().error.code]).toEqual([payload.name, 400, 'validation_failed']);
    }
    expect((await f.request({ method: 'GET', url: '/api/v1/keys' })).json()).toHaveLength(2);
  });

  it('revokes a key (204), refused from its next request (401); an unknown id is 404', async () => {
    const secret = await f.key('read');
    const [, mine] = (await f.request({ method: 'GET', url: '/api/v1/keys' })).json();
    expect((await f.request({ method: 'DELETE', url: `/api/v1/keys/${mine.id}` })).statusCode).toBe(204);
    const refused = await f.request({ method: 'GET', url: '/api/v1/keys/me' }, secret);
    expect([refused.statusCode, refused.json().error.message]).toEqual([401, 'This API key was revoked']);
    expect((await f.request({ method: 'DELETE', url: '/api/v1/keys/key_0000000000000000' })).statusCode).toBe(404);
  });
});
