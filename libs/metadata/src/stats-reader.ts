import type { StoreStats } from './metadata-types';

/** DI token of the configured {@link StatsReader}. */
export const STATS_READER = Symbol('STATS_READER');

/** Totals over the file records and the blob registry. `HoardError('unavailable')` when the database cannot be reached. */
export interface StatsReader {
  stats(): Promise<StoreStats>;
}
