import type { ScanRun } from '@app/contracts/types';

/** One point of a series: when (ms since the epoch), and how much by then. */
export interface Point {
  at: number;
  value: number;
}

/**
 * Stored bytes over time, from what the API keeps of the past (the scan runs): each ended run's uploaded bytes added
 * up, oldest first, so that the last point is today's stored bytes; what was stored before the oldest run read (or
 * by other means: objects, uploads without a run) is the starting level.
 */
export function growthOf(runs: ScanRun[], storedNow: number): Point[] {
  const ended = runs
    .filter((r) => r.ended_at !== null)
    .map((r) => ({ at: Date.parse(r.ended_at as string), bytes: r.bytes_uploaded }))
    .sort((a, b) => a.at - b.at);
  const uploaded = ended.reduce((sum, r) => sum + r.bytes, 0);
  let level = Math.max(storedNow - uploaded, 0);
  return ended.map((r) => ({ at: r.at, value: (level += r.bytes) }));
}
