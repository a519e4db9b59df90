import type { ObjectInfo } from '@app/contracts';
import type { StoredFile } from '@app/metadata';

/** A version of the `bucket` namespace as the API shows an object. */
export function toObjectInfo(stored: StoredFile): ObjectInfo {
  const object = stored.object;
  return {
    bucket: stored.hostname,
    key: stored.filepath,
    version: stored.version,
    sha256: stored.sha256,
    size: stored.size,
    content_type: object?.content_type ?? 'application/octet-stream',
    metadata: object?.metadata ?? {},
    created_at: stored.first_seen_at.toISOString(),
    expires_at: object?.expires_at?.toISOString() ?? null,
    delete_after_download: object?.delete_after_download ?? false,
    deleted_at: stored.deleted_at?.toISOString() ?? null,
  };
}
