import { Inject, Injectable } from '@nestjs/common';
import { EMPTY_SHA256, FileRecord, type Sha256 } from '@app/contracts';
import { BLOB_REGISTRY, BlobRegistry, isContentAvailable, StoredFile } from '@app/metadata';
import { TenantScope } from '../auth/tenant-scope';
import { TenantGate } from './tenant-gate';

/**
 * Turns stored versions into API records, adding whether their content can be downloaded now (it asks the blob
 * registry, and for a key limited to tenants the tenant gate): used by both the blobs and the files routes, so it
 * belongs to neither.
 */
@Injectable()
export class FileRecordsMapper {
  constructor(
    @Inject(BLOB_REGISTRY) private readonly registry: BlobRegistry,
    private readonly gate: TenantGate,
  ) {}

  async toRecords(files: StoredFile[], scope: TenantScope = TenantScope.ALL): Promise<FileRecord[]> {
    const available = await this.availability(
      files.map((f) => f.sha256),
      scope,
    );
    return files.map((f) => toFileRecord(f, available.has(f.sha256)));
  }

  async toRecord(file: StoredFile, scope: TenantScope = TenantScope.ALL): Promise<FileRecord> {
    return (await this.toRecords([file], scope))[0];
  }

  /**
   * The subset of these digests whose content is stored and not taken down (empty content always is), and that the
   * key may learn of (see TenantGate.known).
   */
  async availability(digests: Sha256[], scope: TenantScope = TenantScope.ALL): Promise<Set<Sha256>> {
    const unique = [...new Set(digests)];
    const [entries, known] = await Promise.all([
      this.registry.getBlobs(unique.filter((d) => d !== EMPTY_SHA256)),
      this.gate.known(scope, unique),
    ]);
    const out = new Set<Sha256>();
    for (const d of unique) if (isContentAvailable(d, entries.get(d)) && (known === null || known.has(d))) out.add(d);
    return out;
  }
}

export function toFileRecord(f: StoredFile, contentAvailable: boolean): FileRecord {
  return {
    id: f.id,
    filepath: f.filepath,
    hostname: f.hostname,
    sha256: f.sha256,
    size: f.size,
    mode: f.mode,
    uid: f.uid,
    gid: f.gid,
    mtime: f.mtime,
    atime: f.atime,
    ctime: f.ctime,
    ip_address: f.ip_address,
    version: f.version,
    first_seen_at: f.first_seen_at.toISOString(),
    last_seen_at: f.last_seen_at.toISOString(),
    deleted_at: f.deleted_at?.toISOString() ?? null,
    content_available: contentAvailable,
    type: f.type,
    link_target: f.link_target,
  };
}
