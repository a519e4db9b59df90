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
} as const;
