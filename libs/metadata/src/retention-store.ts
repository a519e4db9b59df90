/** DI token of the configured {@link RetentionStore}. */
export const RETENTION_STORE = Symbol('RETENTION_STORE');

/**
 * One retention rule as stored: which paths it covers (a hostname or `*`, and a path prefix, empty for every path)
 * and what it keeps of them. A null count keeps nothing by that measure (see the prune job for what a rule means).
 */
export interface RetentionRule {
  hostname: string;
  path_prefix: string;
  keep_last: number | null;
  keep_within_days: number | null;
  keep_deleted_days: number | null;
}

/**
 * The retention rules: a list set and read as a whole. Adapters: sqlite, mongodb. Setting replaces every rule at
 * once (a reader sees the old list or the new one); `HoardError('unavailable')` when the database cannot be reached.
 */
export interface RetentionStore {
  /** The rules in the order they were set; empty when none was ever set. */
  getRetentionRules(): Promise<RetentionRule[]>;
  /** Replaces every rule. */
  setRetentionRules(rules: RetentionRule[]): Promise<void>;
}
