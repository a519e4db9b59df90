/** Limits fixed by the API contract. */
export const LIMITS = {
  /** Digests in one `POST /api/v1/blobs/missing`. */
  missingMax: 10_000,
  /** Records in one `POST /api/v1/files/batch`. */
  batchMax: 1_000,
  /** Paths in one `POST /api/v1/files/deleted`. */
  deletedMax: 1_000,
  /** Blobs in one `POST /api/v1/blobs/pack`. */
  packMax: 1_000,
  filepathMax: 4_096,
  hostnameMax: 255,
  listLimitMax: 1_000,
  listLimitDefault: 100,
  keyNameMax: 200,
  /** Hostnames, and buckets, one key may be limited to. */
  keyTenantsMax: 100,
  /** Retention rules set at once. */
  retentionRulesMax: 1_000,
  /** The largest `keep_last` of a rule. */
  retentionKeepLastMax: 1_000_000_000,
  /** The largest `keep_within_days` and `keep_deleted_days` of a rule (over 2,700 years). */
  retentionDaysMax: 1_000_000,
  /** Failures a scan run keeps (more are counted, not kept). */
  scanFailuresKept: 1_000,
  /** Failures one report on a scan run may carry. */
  scanFailuresMax: 100_000,
  /** Roots of one scan run. */
  scanRootsMax: 1_000,
} as const;
