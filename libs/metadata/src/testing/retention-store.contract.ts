import type { RetentionRule, RetentionStore } from '../retention-store';
import type { StoreFactory } from './contract-fixtures';
import { useFreshStore } from './contract-fixtures';

function rule(hostname: string, path_prefix: string, extra: Partial<RetentionRule> = {}): RetentionRule {
  return { hostname, path_prefix, keep_last: null, keep_within_days: null, keep_deleted_days: null, ...extra };
}

/** The behaviour every `RetentionStore` adapter must show. */
export function describeRetentionStoreContract(name: string, factory: StoreFactory<RetentionStore>): void {
  describe(`RetentionStore contract: ${name}`, () => {
    const ctx = useFreshStore(factory);

    it('has no rules until some are set', async () => {
      expect(await ctx.sut.getRetentionRules()).toEqual([]);
    });

    it('keeps the rules in the order they were set, and replaces them all at once', async () => {
      const first = [
        rule('*', '', { keep_last: 10 }),
        rule('web-1', '/var/log', { keep_within_days: 7, keep_deleted_days: 0 }),
        rule('*', '/home/ünï', { keep_last: 0, keep_within_days: 30, keep_deleted_days: 365 }),
      ];
      await ctx.sut.setRetentionRules(first);
      expect(await ctx.sut.getRetentionRules()).toEqual(first);
      const second = [rule('db-1', '/srv/', { keep_last: 3 })];
      await ctx.sut.setRetentionRules(second);
      expect(await ctx.sut.getRetentionRules()).toEqual(second);
      await ctx.sut.setRetentionRules([]);
      expect(await ctx.sut.getRetentionRules()).toEqual([]);
    });
  });
}
