import type { KeyRecord } from '../metadata-store';
import type { MetadataStoreFactory } from './contract-fixtures';
import { at, digest, meta, useFreshStore } from './contract-fixtures';

function key(id: string, hash: string, created: number, extra: Partial<KeyRecord> = {}): KeyRecord {
  return {
    id,
    name: `key ${id}`,
    scopes: ['read', 'write'],
    hash,
    created_at: at(created),
    expires_at: null,
    last_used_at: null,
    revoked_at: null,
    ...extra,
  };
}

/** The blob registry, API keys and the totals. */
export function describeRegistryContract(factory: MetadataStoreFactory): void {
  const ctx = useFreshStore(factory);

  describe('blob registry', () => {
    it('registers idempotently, takes down, and clears the takedown on re-registration', async () => {
      const sha = digest('blob');
      await ctx.sut.registerBlob(sha, 4, at(1));
      await ctx.sut.registerBlob(sha, 4, at(2));
      expect((await ctx.sut.getBlobs([sha])).get(sha)).toEqual({ sha256: sha, size: 4, created_at: at(1), deleted_at: null });

      expect(await ctx.sut.markBlobDeleted(sha, at(3))).toBe(true);
      expect((await ctx.sut.getBlobs([sha])).get(sha)!.deleted_at).toEqual(at(3));
      expect(await ctx.sut.markBlobDeleted(digest('never'), at(3))).toBe(false);

      await ctx.sut.registerBlob(sha, 4, at(4));
      expect((await ctx.sut.getBlobs([sha])).get(sha)!.deleted_at).toBeNull();
    });

    it('forgets lost content but keeps a takedown', async () => {
      await ctx.sut.registerBlob(digest('lost'), 1, at(1));
      await ctx.sut.registerBlob(digest('down'), 1, at(1));
      await ctx.sut.markBlobDeleted(digest('down'), at(2));
      expect(await ctx.sut.forgetBlob(digest('lost'))).toBe(true);
      expect(await ctx.sut.forgetBlob(digest('lost'))).toBe(false);
      expect(await ctx.sut.forgetBlob(digest('down'))).toBe(false);
      const found = await ctx.sut.getBlobs([digest('lost'), digest('down')]);
      expect([...found.keys()]).toEqual([digest('down')]);
      expect(found.get(digest('down'))!.deleted_at).toEqual(at(2));
    });

    it('leaves absent digests out of the map', async () => {
      await ctx.sut.registerBlob(digest('a'), 1, at(1));
      await ctx.sut.registerBlob(digest('b'), 2, at(1));
      const found = await ctx.sut.getBlobs([digest('a'), digest('absent'), digest('b')]);
      expect([...found.keys()].sort()).toEqual([digest('a'), digest('b')].sort());
      expect(found.get(digest('b'))!.size).toBe(2);
      expect((await ctx.sut.getBlobs([])).size).toBe(0);
    });
  });

  describe('keys', () => {
    it('creates, finds by hash and id, and lists in creation order', async () => {
      const a = key('key_a', 'ha', 1, { scopes: ['admin'], expires_at: at(100) });
      const b = key('key_b', 'hb', 2);
      await ctx.sut.createKey(b);
      await ctx.sut.createKey(a);
      expect(await ctx.sut.findKeyByHash('ha')).toEqual(a);
      expect(await ctx.sut.findKeyByHash('nope')).toBeNull();
      expect(await ctx.sut.getKey('key_b')).toEqual(b);
      expect(await ctx.sut.getKey('key_none')).toBeNull();
      expect(await ctx.sut.listKeys()).toEqual([a, b]);
      expect(await ctx.sut.countKeys()).toBe(2);
    });

    it('revokes once, touches last_used_at, and knows unknown ids', async () => {
      await ctx.sut.createKey(key('key_a', 'ha', 1));
      expect(await ctx.sut.revokeKey('key_a', at(5))).toBe(true);
      expect(await ctx.sut.revokeKey('key_a', at(6))).toBe(true);
      expect(await ctx.sut.revokeKey('key_none', at(6))).toBe(false);
      await ctx.sut.touchKey('key_a', at(7));
      expect(await ctx.sut.getKey('key_a')).toMatchObject({ revoked_at: at(5), last_used_at: at(7) });
      expect(await ctx.sut.countKeys()).toBe(1);
    });

    it('starts with no keys', async () => {
      expect(await ctx.sut.countKeys()).toBe(0);
      expect(await ctx.sut.listKeys()).toEqual([]);
    });
  });

  describe('stats', () => {
    it('counts deduplicated content: two paths with one digest are 2 files, 1 blob, twice the logical bytes', async () => {
      expect(await ctx.sut.stats()).toEqual({ files: 0, hosts: 0, blobs: 0, stored_bytes: 0, logical_bytes: 0 });
      const content = 'x'.repeat(1000);
      await ctx.sut.recordFiles([meta('/a', content), meta('/b', content, { hostname: 'host-b' })], at(1));
      await ctx.sut.registerBlob(digest(content), 1000, at(1));
      expect(await ctx.sut.stats()).toEqual({ files: 2, hosts: 2, blobs: 1, stored_bytes: 1000, logical_bytes: 2000 });
    });

    it('leaves out history, deleted records and taken-down blobs', async () => {
      await ctx.sut.recordFiles([meta('/a', 'old'), meta('/a', 'newer'), meta('/b', 'bb'), meta('/c', 'cc')], at(1));
      await ctx.sut.markPathsDeleted('host-a', ['/b'], at(2));
      await ctx.sut.registerBlob(digest('old'), 3, at(1));
      await ctx.sut.registerBlob(digest('newer'), 5, at(1));
      await ctx.sut.markBlobDeleted(digest('old'), at(2));
      expect(await ctx.sut.stats()).toEqual({ files: 2, hosts: 1, blobs: 1, stored_bytes: 5, logical_bytes: 7 });
    });
  });
}
