import type { Db, IndexDescription } from 'mongodb';
import { isDuplicateKey } from './mongo-errors';

// Paths are named by (namespace, hostname, filepath): 'host' for a host's files, 'bucket' for object versions.
const FILE_INDEXES: IndexDescription[] = [
  { key: { namespace: 1, hostname: 1, filepath: 1, version: 1 }, name: 'files_ns_path_version', unique: true },
  { key: { namespace: 1, hostname: 1, is_current: 1, _id: 1 }, name: 'files_ns_host_current' },
  { key: { sha256: 1, first_seen_at: 1, _id: 1 }, name: 'files_sha256' },
  { key: { expires_at: 1 }, name: 'files_expires_at', sparse: true },
];
/** Indexes of earlier versions that named paths without their namespace: a bucket and a host of one name would collide. */
const RETIRED_FILE_INDEXES = ['files_path_version', 'files_host_current'];
const KEY_INDEXES: IndexDescription[] = [{ key: { hash: 1 }, name: 'api_keys_hash', unique: true }];
const JOB_INDEXES: IndexDescription[] = [
  { key: { active_type: 1 }, name: 'jobs_active_type', unique: true },
  { key: { type: 1, _id: 1 }, name: 'jobs_type' },
  { key: { state: 1, _id: 1 }, name: 'jobs_state' },
];
const JOB_LEASE_INDEXES: IndexDescription[] = [{ key: { job: 1, gen: -1 }, name: 'job_leases_job_gen' }];
const SCAN_RUN_INDEXES: IndexDescription[] = [
  { key: { hostname: 1, _id: 1 }, name: 'scan_runs_host' },
  { key: { state: 1, updated_at: 1 }, name: 'scan_runs_state' },
];
// Entries by chain (the walk of verify), by each target's index key (a multikey index), by key and by action.
const AUDIT_INDEXES: IndexDescription[] = [
  { key: { chain: 1, seq: 1 }, name: 'audit_entries_chain', unique: true },
  { key: { target_keys: 1, _id: -1 }, name: 'audit_entries_targets' },
  { key: { key_id: 1, _id: -1 }, name: 'audit_entries_key' },
  { key: { action: 1, _id: -1 }, name: 'audit_entries_action' },
];
const CLAIM_INDEXES: IndexDescription[] = [{ key: { sha256: 1, claimed_at: 1 }, name: 'upload_claims_sha256' }];

/**
 * Creates the indexes the store relies on (idempotent). `files_ns_path_version` is what keeps concurrent writers
 * from creating the same version twice; `api_keys_hash` keeps key secrets unique; `jobs_active_type` lets one job of
 * a type be active at a time.
 */
export async function ensureMongoIndexes(db: Db): Promise<void> {
  const files = db.collection('files');
  const indexes = await files
    .listIndexes()
    .toArray()
    .catch(() => []);
  const existing = new Set(indexes.map((index: { name?: string }) => index.name));
  await migrateMongoFiles(db);
  // One index per command: FerretDB v1 drops the connection when one command re-creates several existing indexes.
  for (const [collection, indexes] of [
    ['files', FILE_INDEXES],
    ['api_keys', KEY_INDEXES],
    ['jobs', JOB_INDEXES],
    ['job_leases', JOB_LEASE_INDEXES],
    ['scan_runs', SCAN_RUN_INDEXES],
    ['upload_claims', CLAIM_INDEXES],
    ['audit_entries', AUDIT_INDEXES],
  ] as const) {
    for (const index of indexes) await db.collection(collection).createIndexes([index]);
  }
  // The namespaced indexes exist before the old ones go, so that concurrent writers are never without an arbiter.
  for (const name of RETIRED_FILE_INDEXES) if (existing.has(name)) await files.dropIndex(name);
}

/**
 * Gives the file documents written before objects existed their namespace, `host`, once: a unique index does not
 * tell apart documents that lack a field on every compatible server (FerretDB's SQLite indexes take each missing value
 * for a distinct one), so every document carries it. Done once per database (noted in `migrations`); running it twice
 * at once, from two instances starting together, is harmless.
 */
async function migrateMongoFiles(db: Db): Promise<void> {
  const migrations = db.collection<{ _id: string; at: Date }>('migrations');
  if (await migrations.findOne({ _id: 'files_namespace' })) return;
  await db.collection('files').updateMany({ namespace: { $exists: false } }, { $set: { namespace: 'host' } });
  try {
    await migrations.insertOne({ _id: 'files_namespace', at: new Date() });
  } catch (error) {
    // Another instance starting at the same time noted it first.
    if (!isDuplicateKey(error)) throw error;
  }
}
