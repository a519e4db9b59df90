import { AUDIT_GENESIS, type AuditEntry, SqliteMetadataStore } from '@app/metadata';
import { Logger } from '@nestjs/common';
import { testSettings } from '../testing/service-fixtures';
import { auditHashOf } from './audit-chain';
import { type AuditDraft, AuditService } from './audit.service';

const DAY = 86_400_000;

function draft(n: number, extra: Partial<AuditDraft> = {}): AuditDraft {
  return {
    at: new Date(Date.UTC(2026, 0, 1) + n * 1000),
    request_id: `req-${n}`,
    key_id: 'key-1',
    key_name: 'laptop',
    ip: '10.0.0.1',
    action: 'blob.get',
    status: 200,
    bytes: n,
    targets: [{ sha256: 'a'.repeat(64) }],
    count: 1,
    ...extra,
  };
}

describe('AuditService', () => {
  let store: SqliteMetadataStore;
  let audit: AuditService;
  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(async () => {
    store = new SqliteMetadataStore({ path: ':memory:' });
    await store.init();
    audit = new AuditService(store, testSettings());
  });
  afterEach(async () => {
    await audit.onModuleDestroy();
    await store.close();
  });

  const chainOf = () => store.auditChainEntries(audit.chain, 0, 100);

  it('chains entries: each holds its predecessor hash and the hash of its own canonical form', async () => {
    await Promise.all([audit.record(draft(1)), audit.record(draft(2)), audit.record(draft(3))]);
    const chain = await chainOf();
    expect(chain.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(chain[0].prev_hash).toBe(AUDIT_GENESIS);
    expect(chain[1].prev_hash).toBe(chain[0].hash);
    expect(chain[2].prev_hash).toBe(chain[1].hash);
    for (const entry of chain) expect(auditHashOf(entry)).toBe(entry.hash);
    // The hash covers every field, targets in a canonical form whatever their key order.
    const reordered = { ...chain[0], targets: [{ sha256: 'a'.repeat(64) }] };
    expect(auditHashOf(reordered)).toBe(chain[0].hash);
    expect(auditHashOf({ ...chain[0], status: 201 })).not.toBe(chain[0].hash);
    expect(auditHashOf({ ...chain[0], prev_hash: chain[1].hash })).not.toBe(chain[0].hash);
    expect(await audit.verify()).toEqual({ entries: 3, ok: true, first_bad: null });
  });

  it('writes the entries of one turn in one write, and those that come during a write in the next', async () => {
    const append = jest.spyOn(store, 'appendAuditEntries');
    await Promise.all(Array.from({ length: 50 }, (_, i) => audit.record(draft(i))));
    expect(append).toHaveBeenCalledTimes(1);
    expect(append.mock.calls[0][0]).toHaveLength(50);
    await Promise.all([audit.record(draft(51)), audit.record(draft(52))]);
    expect(append).toHaveBeenCalledTimes(2);
    expect((await chainOf()).map((e) => e.seq)).toEqual(Array.from({ length: 52 }, (_, i) => i + 1));
  });

  it('resolves a record only once its entry is stored', async () => {
    let stored = false;
    const pending = audit.record(draft(1)).then(() => (stored = true));
    expect(stored).toBe(false);
    expect(await chainOf()).toEqual([]);
    await pending;
    expect((await chainOf()).length).toBe(1);
  });

  it('keeps the entries of a failed write queued, in chain order, for the next write', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    try {
      const append = jest.spyOn(store, 'appendAuditEntries').mockRejectedValueOnce(new Error('database is down'));
      await expect(audit.record(draft(1))).rejects.toThrow('database is down');
      const second = audit.record(draft(2));
      await second;
      // The second write carried the first entry too.
      expect(append.mock.calls[1][0].map((e: AuditEntry) => e.seq)).toEqual([1, 2]);
      expect(await audit.verify()).toEqual({ entries: 2, ok: true, first_bad: null });
      jest.advanceTimersByTime(1000);
      expect(append).toHaveBeenCalledTimes(2);
    } finally {
      jest.useRealTimers();
    }
  });

  describe('verify', () => {
    /** A chain of three written directly, then changed as a tamperer would. */
    async function chainOfThree(): Promise<AuditEntry[]> {
      await Promise.all([audit.record(draft(1)), audit.record(draft(2)), audit.record(draft(3))]);
      return chainOf();
    }

    async function replaced(entries: AuditEntry[]): Promise<AuditService> {
      const other = new SqliteMetadataStore({ path: ':memory:' });
      await other.init();
      await other.appendAuditEntries(entries);
      afterCleanup.push(() => other.close());
      return new AuditService(other, testSettings());
    }
    const afterCleanup: Array<() => Promise<void>> = [];
    afterEach(async () => {
      for (const done of afterCleanup.splice(0)) await done();
    });

    it('finds a changed entry', async () => {
      const [a, b, c] = await chainOfThree();
      const verdict = await (await replaced([a, { ...b, status: 500 }, c])).verify();
      expect(verdict).toEqual({ entries: 3, ok: false, first_bad: { chain: audit.chain, seq: 2, id: b.id, reason: 'hash' } });
    });

    it('finds a removed entry, in the middle and at the end', async () => {
      const [a, b, c] = await chainOfThree();
      const middle = await replaced([a, c]);
      expect(await middle.verify()).toEqual({
        entries: 2,
        ok: false,
        first_bad: { chain: audit.chain, seq: 2, id: c.id, reason: 'missing' },
      });
      // The head still says 3: an entry removed from the end is missing too.
      const store2 = new SqliteMetadataStore({ path: ':memory:' });
      await store2.init();
      afterCleanup.push(() => store2.close());
      await store2.appendAuditEntries([a, b, c]);
      const tail = new AuditService(
        {
          ...store2,
          auditChains: () => store2.auditChains(),
          auditChainEntries: async (chain, after, limit) => (await store2.auditChainEntries(chain, after, limit)).filter((e) => e.seq < 3),
        } as SqliteMetadataStore,
        testSettings(),
      );
      expect(await tail.verify()).toEqual({
        entries: 2,
        ok: false,
        first_bad: { chain: audit.chain, seq: 3, id: null, reason: 'missing' },
      });
    });

    it('finds entries swapped', async () => {
      const [a, b, c] = await chainOfThree();
      const swapped = await replaced([a, { ...c, seq: 2 }, { ...b, seq: 3 }]);
      expect(await swapped.verify()).toEqual({
        entries: 3,
        ok: false,
        first_bad: { chain: audit.chain, seq: 2, id: c.id, reason: 'link' },
      });
    });

    it('starts a pruned chain where pruning left it', async () => {
      await chainOfThree();
      await store.pruneAuditEntries(draft(2).at);
      expect(await audit.verify()).toEqual({ entries: 2, ok: true, first_bad: null });
    });
  });

  it('prunes entries older than the retention on a timer', async () => {
    jest.useFakeTimers({ now: Date.UTC(2026, 0, 10), doNotFake: ['setImmediate', 'nextTick'] });
    const pruned = new AuditService(store, testSettings({ auditRetentionMs: 2 * DAY }));
    try {
      const prune = jest.spyOn(store, 'pruneAuditEntries');
      pruned.onModuleInit();
      jest.advanceTimersByTime(3_600_000 - 1);
      expect(prune).not.toHaveBeenCalled();
      jest.advanceTimersByTime(1);
      expect(prune).toHaveBeenCalledTimes(1);
      expect(prune).toHaveBeenLastCalledWith(new Date(Date.UTC(2026, 0, 10) + 3_600_000 - 2 * DAY));
      jest.advanceTimersByTime(3_600_000);
      expect(prune).toHaveBeenCalledTimes(2);
    } finally {
      await pruned.onModuleDestroy();
      jest.useRealTimers();
    }
  });

  it('never prunes without a retention', async () => {
    expect(await audit.prune()).toBe(0);
    await audit.record(draft(1));
    expect(await audit.prune(new Date(Date.UTC(2030, 0, 1)))).toBe(0);
    expect((await chainOf()).length).toBe(1);
  });
});
