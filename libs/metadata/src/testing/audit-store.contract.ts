import { HoardError } from '@app/contracts';
import type { AuditEntry, AuditStore } from '../audit-store';
import { AUDIT_GENESIS } from '../audit-store';
import { auditEntryId } from '../shared/audit-values';
import type { StoreFactory } from './contract-fixtures';
import { at, digest, useFreshStore } from './contract-fixtures';

/** Entry `seq` of `chain` at `seconds`; the hashes are labels (the store keeps them, the writer computes them). */
export function auditEntry(chain: string, seq: number, seconds: number, extra: Partial<AuditEntry> = {}): AuditEntry {
  return {
    id: auditEntryId(at(seconds), chain, seq),
    chain,
    seq,
    at: at(seconds),
    request_id: `req-${chain}-${seq}`,
    key_id: 'key-1',
    key_name: 'laptop',
    ip: '10.0.0.1',
    action: 'blob.get',
    status: 200,
    bytes: 42,
    targets: [],
    count: 0,
    prev_hash: seq === 1 ? AUDIT_GENESIS : `hash-${chain}-${seq - 1}`,
    hash: `hash-${chain}-${seq}`,
    ...extra,
  };
}

const ids = (entries: AuditEntry[]) => entries.map((e) => `${e.chain}/${e.seq}`);

async function collect(iterable: AsyncIterable<AuditEntry>): Promise<AuditEntry[]> {
  const all: AuditEntry[] = [];
  for await (const entry of iterable) all.push(entry);
  return all;
}

/** The behaviour every `AuditStore` adapter must show. */
export function describeAuditStoreContract(name: string, factory: StoreFactory<AuditStore>): void {
  describe(`AuditStore contract: ${name}`, () => {
    const ctx = useFreshStore(factory);
    const A = digest('a');
    const B = digest('b');

    /** Chain a: 1..4 at 10..40 s; chain b: 1..2 at 15, 35 s; with targets and keys to filter by. */
    async function seed(): Promise<void> {
      await ctx.sut.appendAuditEntries([
        auditEntry('a', 1, 10, { action: 'blob.put', targets: [{ sha256: A }], count: 1 }),
        auditEntry('b', 1, 15, { key_id: 'key-2', targets: [{ hostname: 'web-1', filepath: '/etc/x' }, { sha256: B }], count: 2 }),
      ]);
      await ctx.sut.appendAuditEntries([
        auditEntry('a', 2, 20, { targets: [{ sha256: A }, { sha256: B }], count: 2 }),
        auditEntry('a', 3, 30, { action: 'object.put', targets: [{ bucket: 'media', key: 'x/y' }, { sha256: A }], count: 2 }),
        auditEntry('b', 2, 35, { key_id: null, key_name: null, action: 'auth.refused', status: 401 }),
        auditEntry('a', 4, 40, { action: 'key.create', targets: [{ key_id: 'key-9' }], count: 1 }),
      ]);
    }

    it('keeps every field of an entry and lists newest first', async () => {
      await seed();
      const page = await ctx.sut.listAuditEntries({ limit: 100 });
      expect(ids(page.items)).toEqual(['a/4', 'b/2', 'a/3', 'a/2', 'b/1', 'a/1']);
      expect(page.nextCursor).toBeNull();
      expect(page.items[2]).toEqual(
        auditEntry('a', 3, 30, { action: 'object.put', targets: [{ bucket: 'media', key: 'x/y' }, { sha256: A }], count: 2 }),
      );
      expect(page.items[1]).toEqual(auditEntry('b', 2, 35, { key_id: null, key_name: null, action: 'auth.refused', status: 401 }));
    });

    it('pages with an opaque cursor and refuses one it did not make', async () => {
      await seed();
      const first = await ctx.sut.listAuditEntries({ limit: 4 });
      expect(ids(first.items)).toEqual(['a/4', 'b/2', 'a/3', 'a/2']);
      const second = await ctx.sut.listAuditEntries({ limit: 4, cursor: first.nextCursor! });
      expect(ids(second.items)).toEqual(['b/1', 'a/1']);
      expect(second.nextCursor).toBeNull();
      const bad = ctx.sut.listAuditEntries({ limit: 4, cursor: 'bm9wZQ' });
      await expect(bad).rejects.toBeInstanceOf(HoardError);
      await expect(ctx.sut.listAuditEntries({ limit: 4, cursor: 'bm9wZQ' })).rejects.toMatchObject({ code: 'invalid_request' });
    });

    it('filters by time (since inclusive, until exclusive), key and action', async () => {
      await seed();
      const list = async (query: Parameters<AuditStore['listAuditEntries']>[0]) => ids((await ctx.sut.listAuditEntries(query)).items);
      expect(await list({ limit: 100, since: at(20), until: at(35) })).toEqual(['a/3', 'a/2']);
      expect(await list({ limit: 100, since: at(35) })).toEqual(['a/4', 'b/2']);
      expect(await list({ limit: 100, until: at(15) })).toEqual(['a/1']);
      expect(await list({ limit: 100, key_id: 'key-2' })).toEqual(['b/1']);
      expect(await list({ limit: 100, action: 'blob.get' })).toEqual(['a/2', 'b/1']);
      expect(await list({ limit: 100, action: 'blob.get', key_id: 'key-1' })).toEqual(['a/2']);
      expect(await list({ limit: 100, action: 'nothing.such' })).toEqual([]);
    });

    it('finds entries by digest, host and bucket among their targets, alone and with other filters', async () => {
      await seed();
      const list = async (query: Parameters<AuditStore['listAuditEntries']>[0]) => ids((await ctx.sut.listAuditEntries(query)).items);
      expect(await list({ limit: 100, sha256: A })).toEqual(['a/3', 'a/2', 'a/1']);
      expect(await list({ limit: 100, sha256: B })).toEqual(['a/2', 'b/1']);
      expect(await list({ limit: 100, hostname: 'web-1' })).toEqual(['b/1']);
      expect(await list({ limit: 100, bucket: 'media' })).toEqual(['a/3']);
      expect(await list({ limit: 100, bucket: 'web-1' })).toEqual([]);
      expect(await list({ limit: 100, sha256: A, action: 'blob.put' })).toEqual(['a/1']);
      expect(await list({ limit: 100, sha256: A, bucket: 'media' })).toEqual(['a/3']);
      expect(await list({ limit: 100, sha256: B, hostname: 'web-1', key_id: 'key-2' })).toEqual(['b/1']);
      expect(await list({ limit: 100, sha256: A, since: at(20), until: at(30) })).toEqual(['a/2']);
      const first = await ctx.sut.listAuditEntries({ limit: 2, sha256: A });
      expect(ids(first.items)).toEqual(['a/3', 'a/2']);
      expect(ids((await ctx.sut.listAuditEntries({ limit: 2, sha256: A, cursor: first.nextCursor! })).items)).toEqual(['a/1']);
    });

    it('streams every match a page at a time', async () => {
      await seed();
      expect(ids(await collect(ctx.sut.streamAuditEntries({}, 2)))).toEqual(['a/4', 'b/2', 'a/3', 'a/2', 'b/1', 'a/1']);
      expect(ids(await collect(ctx.sut.streamAuditEntries({ sha256: A }, 1)))).toEqual(['a/3', 'a/2', 'a/1']);
      expect(await collect(ctx.sut.streamAuditEntries({ key_id: 'nobody' }))).toEqual([]);
    });

    it('walks each chain in order from its head', async () => {
      await seed();
      expect(await ctx.sut.auditChains()).toEqual([
        { chain: 'a', head: { seq: 4, hash: 'hash-a-4' }, pruned: null },
        { chain: 'b', head: { seq: 2, hash: 'hash-b-2' }, pruned: null },
      ]);
      expect(ids(await ctx.sut.auditChainEntries('a', 0, 10))).toEqual(['a/1', 'a/2', 'a/3', 'a/4']);
      expect(ids(await ctx.sut.auditChainEntries('a', 1, 2))).toEqual(['a/2', 'a/3']);
      expect(await ctx.sut.auditChainEntries('a', 4, 10)).toEqual([]);
      expect(await ctx.sut.auditChainEntries('zzz', 0, 10)).toEqual([]);
    });

    it('keeps up to 1,000 targets of an entry and finds it by the last of them', async () => {
      const targets = Array.from({ length: 1000 }, (_, i) => ({ sha256: digest(`t${i}`) }));
      await ctx.sut.appendAuditEntries([auditEntry('a', 1, 1, { action: 'files.record', targets, count: 1500 })]);
      const [found] = (await ctx.sut.listAuditEntries({ limit: 10, sha256: digest('t999') })).items;
      expect(found.targets).toEqual(targets);
      expect(found.count).toBe(1500);
    });

    it('prunes each chain up to its last entry older than the date, and notes where it now starts', async () => {
      await seed();
      expect(await ctx.sut.pruneAuditEntries(at(30))).toBe(3);
      expect(ids((await ctx.sut.listAuditEntries({ limit: 100 })).items)).toEqual(['a/4', 'b/2', 'a/3']);
      expect(ids((await ctx.sut.listAuditEntries({ limit: 100, sha256: A })).items)).toEqual(['a/3']);
      expect(ids((await ctx.sut.listAuditEntries({ limit: 100, sha256: B })).items)).toEqual([]);
      expect(await ctx.sut.auditChains()).toEqual([
        { chain: 'a', head: { seq: 4, hash: 'hash-a-4' }, pruned: { seq: 2, hash: 'hash-a-2' } },
        { chain: 'b', head: { seq: 2, hash: 'hash-b-2' }, pruned: { seq: 1, hash: 'hash-b-1' } },
      ]);
      expect(await ctx.sut.pruneAuditEntries(at(30))).toBe(0);
      expect(await ctx.sut.pruneAuditEntries(at(41))).toBe(3);
      expect(await ctx.sut.listAuditEntries({ limit: 100 })).toEqual({ items: [], nextCursor: null });
      expect(await ctx.sut.auditChains()).toEqual([
        { chain: 'a', head: { seq: 4, hash: 'hash-a-4' }, pruned: { seq: 4, hash: 'hash-a-4' } },
        { chain: 'b', head: { seq: 2, hash: 'hash-b-2' }, pruned: { seq: 2, hash: 'hash-b-2' } },
      ]);
      // The chain goes on after its pruned start.
      await ctx.sut.appendAuditEntries([auditEntry('a', 5, 50)]);
      expect(ids(await ctx.sut.auditChainEntries('a', 0, 10))).toEqual(['a/5']);
    });
  });
}
