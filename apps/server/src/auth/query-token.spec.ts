import { createHash } from 'node:crypto';
import { appFixture, AppFixture } from '../testing/app-fixture';

const CONTENT = Buffer.from('content a browser downloads by a link');
const SHA = createHash('sha256').update(CONTENT).digest('hex');

describe('a login token in the query of content routes', () => {
  let sut: AppFixture;
  let reader: string;
  let token: string;

  beforeAll(async () => {
    sut = await appFixture();
    const put = await sut.request({
      method: 'PUT',
      url: `/api/v1/blobs/${SHA}`,
      payload: CONTENT,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(put.statusCode).toBe(201);
    reader = await sut.key('read');
    const login = await sut.request({ method: 'POST', url: '/api/login', payload: { email: 'console', password: reader } }, null);
    token = login.json().access_token;
  });
  afterAll(() => sut.close());

  it('lets a link download content with a token from POST /api/login', async () => {
    const res = await sut.request({ method: 'GET', url: `/api/v1/blobs/${SHA}?access_token=${token}` }, null);
    expect([res.statusCode, res.rawPayload.equals(CONTENT)]).toEqual([200, true]);
  });

  it('refuses an API key in the URL, and a token in the query of a route that does not take one', async () => {
    const key = await sut.request({ method: 'GET', url: `/api/v1/blobs/${SHA}?access_token=${reader}` }, null);
    expect([key.statusCode, key.json().error.message]).toEqual([401, 'access_token takes a token from POST /api/login, never an API key']);
    const stats = await sut.request({ method: 'GET', url: `/api/v1/stats?access_token=${token}` }, null);
    expect(stats.statusCode).toBe(401);
  });

  it('refuses a token of a revoked key', async () => {
    const revoked = await sut.key('read');
    const login = await sut.request({ method: 'POST', url: '/api/login', payload: { password: revoked } }, null);
    const me = await sut.request({ method: 'GET', url: '/api/v1/keys/me' }, revoked);
    await sut.request({ method: 'DELETE', url: `/api/v1/keys/${me.json().id}` });
    const res = await sut.request({ method: 'GET', url: `/api/v1/blobs/${SHA}?access_token=${login.json().access_token}` }, null);
    expect(res.statusCode).toBe(401);
  });
});
