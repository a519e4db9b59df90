import { KeysService } from './keys.service';
import { AccessTokensService } from './access-tokens.service';
import { ServiceFixture, serviceFixture } from '../testing/service-fixtures';

describe('AccessTokensService', () => {
  const t0 = new Date('2030-01-01T00:00:00.000Z');
  const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
  let f: ServiceFixture;
  let keys: KeysService;
  let sut: AccessTokensService;

  beforeEach(async () => {
    f = await serviceFixture({ tokenTtlSeconds: 600 });
    keys = f.keys;
    sut = f.tokens;
  });

  afterEach(() => f.close());

  it('gives a token that stands for the key until it expires', async () => {
    const created = await keys.create({ name: 'client', scopes: ['write'] }, t0);
    const login = await sut.login(created.key, t0);
    expect(login).toEqual({ access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/), token_type: 'bearer', expires_in: 600 });
    expect((await keys.authenticate(login.access_token, at(600))).id).toBe(created.id);
    await expect(keys.authenticate(login.access_token, at(600.001))).rejects.toMatchObject({
      code: 'unauthorized',
      message: 'This token has expired; log in again',
    });
  });

  it('never outlives its key', async () => {
    const created = await keys.create({ name: 'short', scopes: ['read'], expiresAt: at(100) }, t0);
    const login = await sut.login(created.key, t0);
    expect(login.expires_in).toBe(100);
    await expect(keys.authenticate(login.access_token, at(100))).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('is refused once its key is revoked', async () => {
    const created = await keys.create({ name: 'revoked', scopes: ['read'] }, t0);
    const { access_token } = await sut.login(created.key, t0);
    await keys.revoke(created.id, at(1));
    await expect(keys.authenticate(access_token, at(2))).rejects.toMatchObject({ message: 'This API key was revoked' });
  });

  it("is refused when signed with another key's secret, and cannot be used as a password", async () => {
    const a = await keys.create({ name: 'a', scopes: ['read'] }, t0);
    const b = await keys.create({ name: 'b', scopes: ['admin'] }, t0);
    const tokenA = (await sut.login(a.key, t0)).access_token;
    const tokenB = (await sut.login(b.key, t0)).access_token;
    // a's header and claims under b's signature: the key it names (a) did not sign it.
    const [headA, claimsA] = tokenA.split('.');
    const forged = `${headA}.${claimsA}.${tokenB.split('.')[2]}`;
    await expect(keys.authenticate(forged, at(1))).rejects.toMatchObject({ message: 'Unknown API key or token' });
    await expect(sut.login(tokenA, at(1))).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(sut.login('hk_not_a_key', at(1))).rejects.toMatchObject({ code: 'unauthorized', message: 'Unknown API key' });
  });

  it('takes a key that merely looks like a token for a key', async () => {
    const created = await keys.create({ name: 'dotted', scopes: ['read'], secret: 'abc.def.ghi-bootstrap-key' }, t0);
    expect((await keys.authenticate('abc.def.ghi-bootstrap-key', at(1))).id).toBe(created.id);
  });
});
