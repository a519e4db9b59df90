import type { RetentionRule, VersionInfo } from '@app/metadata';
import { planPath, RetentionPolicy } from './retention-policy';

function rule(hostname: string, path_prefix: string, extra: Partial<RetentionRule> = {}): RetentionRule {
  return { hostname, path_prefix, keep_last: null, keep_within_days: null, keep_deleted_days: null, ...extra };
}

const DAY = 86_400_000;
const NOW = new Date('2026-06-01T00:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * DAY);

/** Versions newest first, `v<n>` as ids, each first seen `ages[i]` days ago; the newest deleted `deleted` days ago. */
function versions(ages: number[], deleted: number | null = null): VersionInfo[] {
  return ages.map((age, i) => ({
    id: `v${ages.length - i}`,
    version: ages.length - i,
    first_seen_at: daysAgo(age),
    deleted_at: i === 0 && deleted !== null ? daysAgo(deleted) : null,
  }));
}

describe('RetentionPolicy.ruleFor', () => {
  const sut = new RetentionPolicy([
    rule('*', '', { keep_last: 1 }),
    rule('*', '/srv/data', { keep_last: 2 }),
    rule('*', '/srv/data/cache/', { keep_last: 3 }),
    rule('web-1', '', { keep_last: 4 }),
    rule('web-1', '/var/log/app.log', { keep_last: 5 }),
    rule('db-1', '/', { keep_last: 6 }),
    rule('photos', 'albums/2024', { keep_last: 7 }),
  ]);
  const kept = (namespace: string, path: string) => sut.ruleFor(namespace, path)?.keep_last ?? null;

  it('takes the longest prefix that covers the path as a directory or a file', () => {
    expect(kept('h', '/srv/data')).toBe(2);
    expect(kept('h', '/srv/data/x/y')).toBe(2);
    expect(kept('h', '/srv/database')).toBe(1);
    expect(kept('h', '/srv/data/cache')).toBe(2);
    expect(kept('h', '/srv/data/cache/tile.png')).toBe(3);
    expect(kept('h', 'relative/or/key')).toBe(1);
  });

  it('takes a rule naming the host before any * rule, however long the * rule prefix', () => {
    expect(kept('web-1', '/srv/data/cache/tile.png')).toBe(4);
    expect(kept('web-1', '/var/log/app.log')).toBe(5);
    expect(kept('web-1', '/var/log/app.log.1')).toBe(4);
    expect(kept('db-1', '/anything')).toBe(6);
    expect(kept('db-1', 'not-absolute')).toBe(1);
    expect(kept('photos', 'albums/2024/beach.jpg')).toBe(7);
    expect(kept('photos', 'albums/2025/beach.jpg')).toBe(1);
  });

  it('has no rule for a path when none covers it', () => {
    const narrow = new RetentionPolicy([rule('web-1', '/var/log')]);
    expect(narrow.ruleFor('web-1', '/etc/hosts')).toBeNull();
    expect(narrow.ruleFor('web-2', '/var/log/x')).toBeNull();
    expect(new RetentionPolicy([]).empty).toBe(true);
    expect(narrow.empty).toBe(false);
  });
});

describe('planPath', () => {
  const removed = (plan: ReturnType<typeof planPath>) => (plan.forget ? 'forget' : plan.remove);

  it('keeps the keep_last newest versions, the current one among them; 0 or 1 keeps only the current one', () => {
    const path = versions([1, 2, 3, 4, 5]);
    expect(removed(planPath(path, rule('*', '', { keep_last: 3 }), NOW))).toEqual(['v2', 'v1']);
    expect(removed(planPath(path, rule('*', '', { keep_last: 1 }), NOW))).toEqual(['v4', 'v3', 'v2', 'v1']);
    expect(removed(planPath(path, rule('*', '', { keep_last: 0 }), NOW))).toEqual(['v4', 'v3', 'v2', 'v1']);
    expect(removed(planPath(path, rule('*', '', { keep_last: 9 }), NOW))).toEqual([]);
  });

  it('keeps a version that was current at some moment of the last keep_within_days days', () => {
    // v3 was current from 400 to 20 days ago: kept with 30 days, not with 10. v2 was replaced 400 days ago.
    const path = versions([20, 400, 800, 900]);
    expect(removed(planPath(path, rule('*', '', { keep_within_days: 30 }), NOW))).toEqual(['v2', 'v1']);
    expect(removed(planPath(path, rule('*', '', { keep_within_days: 10 }), NOW))).toEqual(['v3', 'v2', 'v1']);
    expect(removed(planPath(path, rule('*', '', { keep_within_days: 0 }), NOW))).toEqual(['v3', 'v2', 'v1']);
  });

  it('keeps what either measure keeps', () => {
    const path = versions([1, 2, 50, 60, 70]);
    expect(removed(planPath(path, rule('*', '', { keep_last: 2, keep_within_days: 40 }), NOW))).toEqual(['v2', 'v1']);
    expect(removed(planPath(path, rule('*', '', { keep_last: 4, keep_within_days: 1 }), NOW))).toEqual(['v1']);
  });

  it('removes no version under a rule that sets neither keep_last nor keep_within_days', () => {
    expect(removed(planPath(versions([1, 2, 3]), rule('*', '', { keep_deleted_days: 5 }), NOW))).toEqual([]);
  });

  it('forgets a path deleted more than keep_deleted_days ago; until then its deleted version stays as a current one', () => {
    const deleted = versions([10, 20, 30], 8);
    expect(planPath(deleted, rule('*', '', { keep_deleted_days: 7 }), NOW)).toEqual({ forget: true, deletedAt: daysAgo(8) });
    expect(planPath(deleted, rule('*', '', { keep_deleted_days: 8 }), NOW)).toEqual({ forget: true, deletedAt: daysAgo(8) });
    expect(removed(planPath(deleted, rule('*', '', { keep_deleted_days: 9, keep_last: 1 }), NOW))).toEqual(['v2', 'v1']);
    expect(removed(planPath(deleted, rule('*', '', { keep_last: 2 }), NOW))).toEqual(['v1']);
    expect(planPath(versions([10], 0), rule('*', '', { keep_deleted_days: 0 }), NOW)).toMatchObject({ forget: true });
  });
});
