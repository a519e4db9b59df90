import { createHash } from 'node:crypto';
import { secondKeysService, ServiceFixture, serviceFixture } from '../testing/service-fixtures';

describe('KeysService', () => {
  const t0 = new Date('2030-01-01T00:00:00.000Z');
  const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
  let f: ServiceFixture;
  beforeEach(async () => (f = await serviceFixture()));
  afterEach(() => f.close());

  const sut = () => f.keys;
  const stored = async (id: string) => (await f.metadata.listKeys()).find((k) => k.id === id)!;

  describe('create', () => {
    it('returns the secret once and stores only its hash, with each scope once', async () => {
      const created = await sut().create({ name: 'ci', scopes: ['read', 'write', 'read'] }, t0);
      expect(created).toEqual({
        id: expect.stringMatching(/^key_[0-9a-f]{16}$/),
        name: 'ci',
        scopes: ['read', 'write'],
        hostnames: [],
        buckets: [],
        key: expect.stringMatching(/^hk_[A-Za-z0-9_-]{43}$/),
        created_at: '2030-01-01T00:00:00.000Z',
        expires_at: null,
      });
      const record = await stored(created.id);
      expect(record.hash).toBe(createHash('sha256').update(created.key).digest('hex'));
      expect(JSON.stringify(record)).not.toContain(created.key);
      expect(record.scopes).toEqual(['read', 'write']);
    });

    it('limits a key to its tenants, each named once, and keeps them on the key', async () => {
      const created = await sut().create(
        { name: 'lab', scopes: ['write'], hostnames: ['lab-1', 'lab-2', 'lab-1'], buckets: ['scans'] },
        t0,
      );
      expect(created).toMatchObject({ hostnames: ['lab-1', 'lab-2'], buckets: ['scans'] });
      expect(await stored(created.id)).toMatchObject({ hostnames: ['lab-1', 'lab-2'], buckets: ['scans'] });
      expect(await sut().authenticate(created.key, at(1))).toMatchObject({ hostnames: ['lab-1', 'lab-2'], buckets: ['scans'] });
      expect((await sut().list()).find((k) => k.id === created.id)).toMatchObject({ hostnames: ['lab-1', 'lab-2'], buckets: ['scans'] });
    });

    it('refuses an admin key limited to tenants, naming hostnames and buckets, and stores nothing', async () => {
      const message = 'an admin key cannot be limited to tenants: give it no hostnames or buckets, or give the limited key read or write';
      const refusal = {
        code: 'validation_failed',
        message,
        details: {
          fields: [
            { field: 'hostnames', errors: [message] },
            { field: 'buckets', errors: [message] },
          ],
        },
      };
      await expect(sut().create({ name: 'a', scopes: ['admin'], hostnames: ['lab-1'] }, t0)).rejects.toMatchObject(refusal);
      await expect(sut().create({ name: 'b', scopes: ['read', 'admin'], buckets: ['scans'] }, t0)).rejects.toMatchObject(refusal);
      expect(await sut().count()).toBe(0);
      expect(await sut().create({ name: 'c', scopes: ['admin'], hostnames: [], buckets: [] }, t0)).toMatchObject({
        hostnames: [],
        buckets: [],
      });
    });

    it('uses a given secret, and takes an expiry as a time or an ISO-8601 string', async () => {
      const given = await sut().create(
        { name: 'boot', scopes: ['admin'], secret: 'a-given-secret-of-length', expiresAt: '2030-01-02T00:00:00Z' },
        t0,
      );
      expect(given).toMatchObject({ key: 'a-given-secret-of-length', expires_at: '2030-01-02T00:00:00.000Z' });
      expect((await sut().authenticate('a-given-secret-of-length', at(1))).id).toBe(given.id);
      const dated = await sut().create({ name: 'dated', scopes: ['read'], expiresAt: at(1) }, t0);
      expect((await stored(dated.id)).expires_at).toEqual(at(1));
    });

    it('refuses an expiry that is now, past or not a time, naming expires_at, and stores nothing', async () => {
      const refusal = (message: string) => ({
        code: 'validation_failed',
        message,
        details: { fields: [{ field: 'expires_at', errors: [message] }] },
      });
      await expect(sut().create({ name: 'now', scopes: ['read'], expiresAt: t0 }, t0)).rejects.toMatchObject(
        refusal('expires_at must be in the future'),
      );
      await expect(sut().create({ name: 'past', scopes: ['read'], expiresAt: '2029-12-31T23:59:59Z' }, t0)).rejects.toMatchObject(
        refusal('expires_at must be in the future'),
      );
      await expect(sut().create({ name: 'junk', scopes: ['read'], expiresAt: 'next tuesday' }, t0)).rejects.toMatchObject(
        refusal('expires_at must be an ISO-8601 time, e.g. 2027-01-31T00:00:00Z'),
      );
      expect(await sut().count()).toBe(0);
    });
  });

  describe('authenticate', () => {
    it('gives the record of a valid key and refuses an unknown one', async () => {
      const created = await sut().create({ name: 'ci', scopes: ['write'] }, t0);
      expect(await sut().authenticate(created.key, at(1))).toMatchObject({ id: created.id, name: 'ci', scopes: ['write'] });
      await expect(sut().authenticate(`${created.key}x`, at(1))).rejects.toMatchObject({
        code: 'unauthorized',
        message: 'Unknown API key',
      });
    });

    it('refuses a key from the moment it expires', async () => {
      const created = await sut().create({ name: 'short', scopes: ['read'], expiresAt: at(10) }, t0);
      expect((await sut().authenticate(created.key, at(9.999))).id).toBe(created.id);
      await expect(sut().authenticate(created.key, at(10))).rejects.toMatchObject({
        code: 'unauthorized',
        message: 'This API key has expired',
      });
    });

    it('refuses a revoked key from its next use, and says an unknown id is not found', async () => {
      const created = await sut().create({ name: 'gone', scopes: ['admin'] }, t0);
      await sut().revoke(created.id, at(1));
      await expect(sut().authenticate(created.key, at(2))).rejects.toMatchObject({
        code: 'unauthorized',
        message: 'This API key was revoked',
      });
      await expect(sut().authenticateKey(created.key, at(2))).rejects.toMatchObject({ message: 'This API key was revoked' });
      await expect(sut().revoke('key_0000000000000000', at(3))).rejects.toMatchObject({ code: 'not_found' });
      expect((await sut().list()).map((k) => k.revoked_at)).toEqual([at(1).toISOString()]);
    });

    it('refuses a token that names a key that does not exist', async () => {
      const elsewhere = await serviceFixture();
      try {
        const created = await elsewhere.keys.create({ name: 'ci', scopes: ['read'] }, t0);
        const { access_token } = await elsewhere.tokens.login(created.key, t0);
        await expect(sut().authenticate(access_token, at(1))).rejects.toMatchObject({
          code: 'unauthorized',
          message: 'Unknown API key or token',
        });
      } finally {
        await elsewhere.close();
      }
    });
  });

  describe('last use', () => {
    it('records a use at once, then at most once a minute, also across instances sharing the store', async () => {
      const created = await sut().create({ name: 'ci', scopes: ['read'] }, t0);
      const writes = jest.spyOn(f.metadata, 'touchKey');
      const settled = async () => Promise.all(writes.mock.results.map((r) => r.value as Promise<void>));

      await sut().authenticate(created.key, at(5));
      await sut().authenticate(created.key, at(30));
      await settled();
      expect(writes.mock.calls).toEqual([[created.id, at(5)]]);
      expect((await sut().list())[0].last_used_at).toBe(at(5).toISOString());

      const otherInstance = secondKeysService(f);
      await otherInstance.authenticate(created.key, at(64.999));
      expect(writes).toHaveBeenCalledTimes(1);
      await otherInstance.authenticate(created.key, at(65));
      await sut().authenticate(created.key, at(65));
      await settled();
      expect(writes.mock.calls).toEqual([
        [created.id, at(5)],
        [created.id, at(65)],
      ]);
      expect((await sut().list())[0].last_used_at).toBe(at(65).toISOString());
    });

    it('is not recorded for a refused key', async () => {
      const created = await sut().create({ name: 'gone', scopes: ['read'] }, t0);
      await sut().revoke(created.id, at(1));
      const writes = jest.spyOn(f.metadata, 'touchKey');
      await expect(sut().authenticate(created.key, at(2))).rejects.toMatchObject({ code: 'unauthorized' });
      expect(writes).not.toHaveBeenCalled();
    });
  });

  it('lists keys without secrets or hashes, counts them and finds one by its secret', async () => {
    const a = await sut().create({ name: 'a', scopes: ['read'] }, t0);
    const b = await sut().create({ name: 'b', scopes: ['admin'], expiresAt: at(60) }, at(1));
    expect(await sut().list()).toEqual([
      {
        id: a.id,
        name: 'a',
        scopes: ['read'],
        hostnames: [],
        buckets: [],
        created_at: t0.toISOString(),
        expires_at: null,
        last_used_at: null,
        revoked_at: null,
      },
      {
        id: b.id,
        name: 'b',
        scopes: ['admin'],
        hostnames: [],
        buckets: [],
        created_at: at(1).toISOString(),
        expires_at: at(60).toISOString(),
        last_used_at: null,
        revoked_at: null,
      },
    ]);
    expect(await sut().count()).toBe(2);
    expect((await sut().findBySecret(a.key))?.id).toBe(a.id);
    expect(await sut().findBySecret('hk_unknown')).toBeNull();
  });
});
