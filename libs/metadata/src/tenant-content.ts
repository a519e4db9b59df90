import type { Sha256 } from '@app/contracts';
import type { StoreStats } from './metadata-types';

/** DI token of the configured {@link TenantContent}. */
export const TENANT_CONTENT = Symbol('TENANT_CONTENT');

/**
 * The tenants a key is limited to: records of hosts named in `hostnames` (namespace `host`) and object versions of
 * buckets named in `buckets` (namespace `bucket`).
 */
export interface Tenants {
  hostnames: readonly string[];
  buckets: readonly string[];
}

/** What `/stats` shows a key limited to tenants: the totals of its records, and of the content they reference. */
export interface TenantStats extends StoreStats {
  /** Quarantined content its current records reference. */
  quarantined_blobs: number;
}

/**
 * Which content belongs to which tenants: references (any version of a record, current, older or deleted, under a
 * tenant) and proofs (a tenant's key uploaded the content and it was verified). A key limited to tenants reads
 * content only through a reference; with the tenant dedup scope it learns that content exists only through a proof.
 * Adapters: sqlite, mongodb. Proofs are only inserted (a duplicate is a no-op), so concurrent writers never lose
 * each other's. `HoardError('unavailable')` when the database cannot be reached.
 */
export interface TenantContent {
  /** The digests of `digests` that some record under `tenants` names (any version, deleted or not). */
  referencedWithin(digests: Sha256[], tenants: Tenants): Promise<Set<Sha256>>;
  /** Notes that a key of these tenants uploaded this content and it was verified (once per tenant and digest). */
  proveContent(sha256: Sha256, tenants: Tenants, now: Date): Promise<void>;
  /** The digests of `digests` proven for one of `tenants`. */
  provenWithin(digests: Sha256[], tenants: Tenants): Promise<Set<Sha256>>;
  /** The totals of `/stats` over the current, not deleted records under `tenants` and the content they name. */
  statsWithin(tenants: Tenants): Promise<TenantStats>;
}

/** The name of a tenant in stored proofs: `host:<name>` or `bucket:<name>` (a host and a bucket never collide). */
export function tenantNames(tenants: Tenants): string[] {
  return [...tenants.hostnames.map((h) => `host:${h}`), ...tenants.buckets.map((b) => `bucket:${b}`)];
}
