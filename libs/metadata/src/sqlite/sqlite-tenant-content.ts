import type Database from 'better-sqlite3';
import type { Sha256 } from '@app/contracts';
import { type Tenants, type TenantStats, tenantNames } from '../tenant-content';

/** Records under the tenants given as JSON arrays `@hostnames` and `@buckets` (the path indexes lead with both). */
const WITHIN = `((namespace = 'host' AND hostname IN (SELECT value FROM json_each(@hostnames)))
  OR (namespace = 'bucket' AND hostname IN (SELECT value FROM json_each(@buckets))))`;

/** The TenantContent port on SQLite: references read from `files`, proofs in `tenant_content` (migration 9). */
export class SqliteTenantContent {
  private readonly sql;

  constructor(db: Database.Database) {
    this.sql = {
      referenced: db.prepare<unknown[], { sha256: Sha256 }>(
        `SELECT DISTINCT sha256 FROM files WHERE sha256 IN (SELECT value FROM json_each(@digests)) AND ${WITHIN}`,
      ),
      prove: db.prepare('INSERT OR IGNORE INTO tenant_content (sha256, tenant, proven_at) VALUES (?, ?, ?)'),
      proven: db.prepare<unknown[], { sha256: Sha256 }>(
        `SELECT DISTINCT sha256 FROM tenant_content
         WHERE sha256 IN (SELECT value FROM json_each(@digests)) AND tenant IN (SELECT value FROM json_each(@tenants))`,
      ),
      files: db.prepare<unknown[], { files: number; hosts: number; objects: number; logical: number }>(
        `SELECT COUNT(*) FILTER (WHERE namespace = 'host') AS files, COUNT(DISTINCT hostname) FILTER (WHERE namespace = 'host') AS hosts,
           COUNT(*) FILTER (WHERE namespace = 'bucket') AS objects, COALESCE(SUM(size), 0) AS logical
         FROM files WHERE is_current = 1 AND deleted_at IS NULL AND ${WITHIN}`,
      ),
      blobs: db.prepare<unknown[], { blobs: number; stored: number; quarantined: number }>(
        `SELECT COUNT(*) FILTER (WHERE quarantined_at IS NULL) AS blobs,
           COALESCE(SUM(size) FILTER (WHERE quarantined_at IS NULL), 0) AS stored,
           COUNT(*) FILTER (WHERE quarantined_at IS NOT NULL) AS quarantined
         FROM blobs WHERE deleted_at IS NULL
           AND sha256 IN (SELECT sha256 FROM files WHERE is_current = 1 AND deleted_at IS NULL AND ${WITHIN})`,
      ),
    };
    this.proveAll = db.transaction((sha256: Sha256, names: string[], nowMs: number) => {
      for (const name of names) this.sql.prove.run(sha256, name, nowMs);
    });
  }

  private readonly proveAll: (sha256: Sha256, names: string[], nowMs: number) => void;

  referencedWithin(digests: Sha256[], tenants: Tenants): Set<Sha256> {
    if (digests.length === 0) return new Set();
    return new Set(this.sql.referenced.all({ digests: JSON.stringify(digests), ...within(tenants) }).map((r) => r.sha256));
  }

  proveContent(sha256: Sha256, tenants: Tenants, now: Date): void {
    this.proveAll(sha256, tenantNames(tenants), now.getTime());
  }

  provenWithin(digests: Sha256[], tenants: Tenants): Set<Sha256> {
    if (digests.length === 0) return new Set();
    const rows = this.sql.proven.all({ digests: JSON.stringify(digests), tenants: JSON.stringify(tenantNames(tenants)) });
    return new Set(rows.map((r) => r.sha256));
  }

  statsWithin(tenants: Tenants): TenantStats {
    const files = this.sql.files.get(within(tenants))!;
    const blobs = this.sql.blobs.get(within(tenants))!;
    return {
      files: files.files,
      hosts: files.hosts,
      objects: files.objects,
      blobs: blobs.blobs,
      stored_bytes: blobs.stored,
      logical_bytes: files.logical,
      quarantined_blobs: blobs.quarantined,
    };
  }
}

function within(tenants: Tenants): { hostnames: string; buckets: string } {
  return { hostnames: JSON.stringify(tenants.hostnames), buckets: JSON.stringify(tenants.buckets) };
}
