import type { ScanRun } from '@app/contracts/types';
import { growthOf } from './growth';

const run = (ended_at: string | null, bytes_uploaded: number) => ({ ended_at, bytes_uploaded }) as ScanRun;

describe('growth from scan runs', () => {
  it("adds up each ended run's uploads, oldest first, ending at the stored bytes of now", () => {
    const runs = [run('2026-01-03T00:00:00Z', 300), run(null, 999), run('2026-01-01T00:00:00Z', 100), run('2026-01-02T00:00:00Z', 0)];
    expect(growthOf(runs, 1000)).toEqual([
      { at: Date.parse('2026-01-01T00:00:00Z'), value: 700 },
      { at: Date.parse('2026-01-02T00:00:00Z'), value: 700 },
      { at: Date.parse('2026-01-03T00:00:00Z'), value: 1000 },
    ]);
  });

  it('never starts below zero (content collected since), and has no point without an ended run', () => {
    expect(growthOf([run('2026-01-01T00:00:00Z', 500)], 200)).toEqual([{ at: Date.parse('2026-01-01T00:00:00Z'), value: 500 }]);
    expect(growthOf([run(null, 5)], 10)).toEqual([]);
  });
});
