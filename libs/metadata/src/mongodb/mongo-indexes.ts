import type { Db, IndexDescription } from 'mongodb';

const FILE_INDEXES: IndexDescription[] = [
  { key: { hostname: 1, filepath: 1, version: 1 }, name: 'files_path_version', unique: true },
  { key: { hostname: 1, is_current: 1, _id: 1 }, name: 'files_host_current' },
  { key: { sha256: 1, first_seen_at: 1, _id: 1 }, name: 'files_sha256' },
];
const KEY_INDEXES: IndexDescription[] = [{ key: { hash: 1 }, name: 'api_keys_hash', unique: true }];
const JOB_INDEXES: IndexDescription[] = [
  { key: { active_type: 1 }, name: 'jobs_active_type', unique: true },
  { key: { type: 1, _id: 1 }, name: 'jobs_type' },
  { key: { state: 1, _id: 1 }, name: 'jobs_state' },
];

/**
 * Creates the indexes the store relies on (idempotent). `files_path_version` is what keeps concurrent writers
 * from creating the same version twice; `api_keys_hash` keeps key secrets unique; `jobs_active_type` lets one job of
 * a type be active at a time.
 */
export async function ensureMongoIndexes(db: Db): Promise<void> {
  // One index per command: FerretDB v1 drops the connection when one command re-creates several existing indexes.
  for (const [collection, indexes] of [
    ['files', FILE_INDEXES],
    ['api_keys', KEY_INDEXES],
    ['jobs', JOB_INDEXES],
  ] as const) {
    for (const index of indexes) await db.collection(collection).createIndexes([index]);
  }
}
