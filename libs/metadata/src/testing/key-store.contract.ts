import type { KeyRecord } from '../metadata-types';
import type { KeyStore } from '../key-store';
import type { StoreFactory } from './contract-fixtures';
import { at, useFreshStore } from './contract-fixtures';

function key(id: string, hash: string, created: number, extra: Partial<KeyRecord> = {}): KeyRecord {
  return {
    id,
    name: `key ${id}`,
    scopes: ['read', 'write'],
    hostnames: [],
    buckets: [],
    hash,
    created_at: at(created),
    expires_at: null,
    last_used_at: null,
    revoked_at: null,
    ...extra,
  };
}

/** The behaviour every `KeyStore` adapter must show. */
export function describeKeyStoreContract(name: string, factory: StoreFactory<KeyStore>): void {
  describe(`KeyStore contract: ${name}`, () => {
    const ctx = useFreshStore(factory);

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

    it('keeps the tenants a key is limited to', async () => {
      const limited = key('key_l', 'hl', 1, { hostnames: ['host-a', 'host b'], buckets: ['photos'] });
      const hostsOnly = key('key_h', 'hh', 2, { hostnames: ['host-a'] });
      await ctx.sut.createKey(limited);
      await ctx.sut.createKey(hostsOnly);
      expect(await ctx.sut.findKeyByHash('hl')).toEqual(limited);
      expect(await ctx.sut.getKey('key_h')).toEqual(hostsOnly);
      expect(await ctx.sut.listKeys()).toEqual([limited, hostsOnly]);
    });

    it('starts with no keys', async () => {
      expect(await ctx.sut.countKeys()).toBe(0);
      expect(await ctx.sut.listKeys()).toEqual([]);
    });
  });
}
