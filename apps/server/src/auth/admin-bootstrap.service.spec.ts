import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceFixture, serviceFixture } from '../testing/service-fixtures';

describe('AdminBootstrapService', () => {
  let dataDir: string;
  let f: ServiceFixture;
  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'hoard-bootstrap-'))));
  afterEach(async () => {
    await f.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const sut = () => f.bootstrap;
  const keyFile = () => join(dataDir, 'admin.key');

  describe('without a configured admin key', () => {
    beforeEach(async () => (f = await serviceFixture({ dataDir, bootstrapAdminKey: null })));

    it('mints the first admin key when no key exists and writes it to admin.key, readable by its owner only', async () => {
      await sut().onApplicationBootstrap();
      expect(sut().createdKeyFile).toBe(keyFile());
      const secret = readFileSync(keyFile(), 'utf8');
      expect(secret).toMatch(/^hk_[A-Za-z0-9_-]{43}\n$/);
      expect(statSync(keyFile()).mode & 0o777).toBe(0o600);
      expect(await f.keys.authenticate(secret.trim())).toMatchObject({ name: 'initial-admin', scopes: ['admin'] });
    });

    it('mints nothing and writes nothing at a later start, or when any key exists', async () => {
      await sut().onApplicationBootstrap();
      const first = readFileSync(keyFile(), 'utf8');
      await sut().onApplicationBootstrap();
      expect(readFileSync(keyFile(), 'utf8')).toBe(first);
      expect(await f.keys.count()).toBe(1);

      rmSync(keyFile());
      await sut().onApplicationBootstrap();
      expect(existsSync(keyFile())).toBe(false);
      expect(await f.keys.count()).toBe(1);
    });

    it('leaves a store that already has a key alone, even a read key', async () => {
      await f.keys.create({ name: 'reader', scopes: ['read'] });
      await sut().onApplicationBootstrap();
      expect(sut().createdKeyFile).toBeNull();
      expect(readdirSync(dataDir)).toEqual([]);
      expect(await f.keys.count()).toBe(1);
    });
  });

  describe('with a configured admin key', () => {
    const secret = 'configured-admin-key-0123456789';
    beforeEach(async () => (f = await serviceFixture({ dataDir, bootstrapAdminKey: secret })));

    it('creates that key once, as an admin key, and writes no file', async () => {
      await sut().onApplicationBootstrap();
      await sut().onApplicationBootstrap();
      expect((await f.keys.list()).map((k) => [k.name, k.scopes])).toEqual([['bootstrap-admin', ['admin']]]);
      expect((await f.keys.authenticate(secret)).scopes).toEqual(['admin']);
      expect(sut().createdKeyFile).toBeNull();
      expect(readdirSync(dataDir)).toEqual([]);
    });

    it('creates it beside existing keys, and leaves it revoked once revoked', async () => {
      await f.keys.create({ name: 'reader', scopes: ['read'] });
      await sut().onApplicationBootstrap();
      expect(await f.keys.count()).toBe(2);
      const created = await f.keys.findBySecret(secret);
      await f.keys.revoke(created!.id);
      await sut().onApplicationBootstrap();
      expect(await f.keys.count()).toBe(2);
      await expect(f.keys.authenticate(secret)).rejects.toMatchObject({ code: 'unauthorized', message: 'This API key was revoked' });
    });
  });
});
