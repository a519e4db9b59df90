import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { FileMetadata, FileRecord, HoardError } from '@app/contracts';

/** A record as the fake keeps it: whether it is the current version of its path. */
export type Stored = FileRecord & { current: boolean };

/**
 * Records what a host saw, as the server does: the same digest, type and link target as the current version
 * refreshes its stat fields; anything else (or a deleted current version) becomes a new current version.
 */
export function recordVersion(records: Stored[], current: Stored | undefined, file: FileMetadata): { record: Stored; created: boolean } {
  const type = file.type ?? 'file';
  const link = file.link_target ?? null;
  const stat = {
    size: file.size,
    mode: file.mode ?? null,
    uid: file.uid ?? null,
    gid: file.gid ?? null,
    mtime: file.mtime ?? null,
    atime: file.atime ?? null,
    ctime: file.ctime ?? null,
  };
  if (current && current.deleted_at === null && current.sha256 === file.sha256 && current.type === type && current.link_target === link) {
    Object.assign(current, stat);
    return { record: current, created: false };
  }
  if (current) current.current = false;
  const now = new Date().toISOString();
  const record: Stored = {
    id: String(records.length + 1),
    hostname: file.hostname,
    filepath: file.filepath,
    sha256: file.sha256,
    ...stat,
    ip_address: null,
    version: (current?.version ?? 0) + 1,
    first_seen_at: now,
    last_seen_at: now,
    deleted_at: null,
    content_available: false,
    type,
    link_target: link,
    current: true,
  };
  records.push(record);
  return { record, created: true };
}

export function sha(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** The file's content, as the client reads it: its own error when it cannot be read, digest_mismatch when its size changed. */
export function readSized(path: string, size: number): Buffer {
  const content = readFileSync(path);
  if (content.length !== size) throw new HoardError('digest_mismatch', 'the file changed size since it was hashed');
  return content;
}
