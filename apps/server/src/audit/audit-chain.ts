import { createHash } from 'node:crypto';
import type { AuditEntry, AuditTarget } from '@app/metadata';

/** A target as a fixed-order array: the same target always serializes the same way, whatever its key order. */
function canonicalTarget(target: AuditTarget): string[] {
  if ('sha256' in target) return ['sha256', target.sha256];
  if ('filepath' in target) return ['path', target.hostname, target.filepath];
  if ('bucket' in target) return ['object', target.bucket, target.key];
  return ['key', target.key_id];
}

/**
 * The hash of an entry: SHA-256 (hex) over a canonical serialization of every field but the hash itself, its
 * predecessor's hash included, so that changing, removing or reordering an entry breaks its chain from there.
 */
export function auditHashOf(entry: Omit<AuditEntry, 'hash'>): string {
  const fields = [
    entry.chain,
    entry.seq,
    entry.id,
    entry.at.getTime(),
    entry.request_id,
    entry.key_id,
    entry.key_name,
    entry.ip,
    entry.action,
    entry.status,
    entry.bytes,
    entry.targets.map(canonicalTarget),
    entry.count,
    entry.prev_hash,
  ];
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}
