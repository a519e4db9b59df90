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
    it('registers idempotently, keeping the first time, and answers the entry as it now is', async () => {
      const sha = digest('blob');
      const entry = { sha256: sha, size: 4, created_at: at(1), deleted_at: null, quarantined_at: null };
      expect(await ctx.sut.registerBlob(sha, 4, at(1))).toEqual(entry);
      expect(await ctx.sut.registerBlob(sha, 4, at(2))).toEqual(entry);
      expect((await ctx.sut.getBlobs([sha])).get(sha)).toEqual(entry);
    });

    it('keeps a takedown through later registrations until it is lifted, after which the digest is unknown', async () => {
      const sha = digest('down');
      await ctx.sut.registerBlob(sha, 4, at(1));
      await ctx.sut.takeDownBlob(sha, 4, at(3));
      await ctx.sut.takeDownBlob(sha, 4, at(4));
      expect(await ctx.sut.registerBlob(sha, 4, at(5))).toMatchObject({ deleted_at: at(3) });
      expect((await ctx.sut.getBlobs([sha])).get(sha)).toMatchObject({ deleted_at: at(3), created_at: at(1) });
      expect(await ctx.sut.reinstateBlob(sha)).toBe(true);
      expect(await ctx.sut.reinstateBlob(sha)).toBe(false);
      expect((await ctx.sut.getBlobs([sha])).size).toBe(0);
      expect(await ctx.sut.registerBlob(sha, 4, at(6))).toMatchObject({ deleted_at: null, created_at: at(6) });
      expect(await ctx.sut.reinstateBlob(sha)).toBe(false);
    });

    it('takes down a digest it never registered, with the size it is given', async () => {
      const sha = digest('unregistered');
      await ctx.sut.takeDownBlob(sha, 9, at(2));
      expect((await ctx.sut.getBlobs([sha])).get(sha)).toEqual({ sha256: sha, size: 9, created_at: at(2), deleted_at: at(2), quarantined_at: null });
    });

    it('quarantines registered content, keeping the first time, until a registration heals it', async () => {
      const sha = digest('bad');
      expect(await ctx.sut.quarantineBlob(sha, at(1))).toBe(false);
      expect((await ctx.sut.getBlobs([sha])).size).toBe(0);
      await ctx.sut.registerBlob(sha, 3, at(1));
      expect(await ctx.sut.quarantineBlob(sha, at(2))).toBe(true);
      expect(await ctx.sut.quarantineBlob(sha, at(3))).toBe(true);
      expect((await ctx.sut.getBlobs([sha])).get(sha)).toMatchObject({ quarantined_at: at(2), deleted_at: null });
      expect(await ctx.sut.registerBlob(sha, 3, at(4))).toMatchObject({ quarantined_at: null, created_at: at(1) });
    });

    it('sets the size of every record of the content, history included, when it is registered', async () => {
      await ctx.sut.recordFiles([meta('/a', 'x', { size: 9_007_199_254_740_991 }), meta('/b', 'x', { size: 5 }), meta('/c', 'y')], at(1));
      await ctx.sut.recordFiles([meta('/a', 'newer')], at(2));
      await ctx.sut.registerBlob(digest('x'), 1, at(3));
      const history = await ctx.sut.fileHistory('host-a', '/a');
      expect(history.map((f) => [f.sha256, f.size])).toEqual([[digest('newer'), 5], [digest('x'), 1]]);
      expect((await ctx.sut.currentFile('host-a', '/b'))!.size).toBe(1);
      expect((await ctx.sut.currentFile('host-a', '/c'))!.size).toBe(1);
    });

    it('sets the sizes of the records of one digest on demand, saying how many changed', async () => {
      await ctx.sut.recordFiles([meta('/a', 'x', { size: 7 }), meta('/b', 'x', { size: 1 }), meta('/c', 'y', { size: 7 })], at(1));
      expect(await ctx.sut.setFileSizes(digest('x'), 1)).toBe(1);
      expect(await ctx.sut.setFileSizes(digest('x'), 1)).toBe(0);
      expect((await ctx.sut.currentFile('host-a', '/a'))!.size).toBe(1);
      expect((await ctx.sut.currentFile('host-a', '/c'))!.size).toBe(7);
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

    it('leaves out history, deleted records, and taken-down and quarantined blobs', async () => {
      await ctx.sut.recordFiles([meta('/a', 'old'), meta('/a', 'newer'), meta('/b', 'bb'), meta('/c', 'cc')], at(1));
      await ctx.sut.markPathsDeleted('host-a', ['/b'], at(2));
      await ctx.sut.registerBlob(digest('old'), 3, at(1));
      await ctx.sut.registerBlob(digest('newer'), 5, at(1));
      await ctx.sut.registerBlob(digest('cc'), 2, at(1));
      await ctx.sut.takeDownBlob(digest('old'), 3, at(2));
      await ctx.sut.quarantineBlob(digest('cc'), at(2));
      expect(await ctx.sut.stats()).toEqual({ files: 2, hosts: 1, blobs: 1, stored_bytes: 5, logical_bytes: 7 });
    });
  });
}
