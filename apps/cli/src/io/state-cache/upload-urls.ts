import { ErrorCode, HoardError } from '@app/contracts';
import type Database from 'better-sqlite3';

/**
 * The URLs of resumable uploads that have not ended, by server and target (content by digest: the digest; an
 * object: {@link objectTarget}): a large file's upload that a dropped connection, a stopped server or a killed CLI
 * cut short continues from the server's offset at the next attempt (the next run included) instead of starting
 * over. Kept in the state cache's database, table `uploads`.
 */
export class UploadUrls {
  private readonly statements: ReturnType<UploadUrls['prepare']>;

  constructor(
    private readonly db: Database.Database,
    /** The server the uploads were made on (its base URL). */
    private readonly server: string,
  ) {
    this.statements = this.prepare();
  }

  /** The URL of the unfinished upload of this target (of this size), or null. */
  get(target: string, size: number): string | null {
    const row = this.statements.get.get(this.server, target, size) as { url: string } | undefined;
    return row?.url ?? null;
  }

  /** Remembers the URL of an upload just created (replacing one of an earlier attempt). */
  remember(target: string, size: number, url: string): void {
    this.statements.put.run(this.server, target, size, url, Date.now());
  }

  /** Forgets the upload of this target: it ended (stored, or refused for good). */
  forget(target: string): void {
    this.statements.remove.run(this.server, target);
  }

  private prepare() {
    return {
      get: this.db.prepare('SELECT url FROM uploads WHERE server = ? AND target = ? AND size = ?'),
      put: this.db.prepare('INSERT OR REPLACE INTO uploads (server, target, size, url, created_at) VALUES (?, ?, ?, ?, ?)'),
      remove: this.db.prepare('DELETE FROM uploads WHERE server = ? AND target = ?'),
    };
  }
}

/**
 * The target of an object's upload: its name and the digest of the content sent (an upload of other content, or to
 * another name, is another upload).
 */
export function objectTarget(bucket: string, key: string, sha256: string): string {
  return `object\n${bucket}\n${key}\n${sha256}`;
}

/** Failures after which an unfinished resumable upload is worth continuing: the server may take the rest later. */
const RESUMABLE_AFTER = new Set<ErrorCode>(['unavailable', 'rate_limited', 'insufficient_storage', 'internal_error', 'request_timeout']);

/** Whether an upload that failed so should be remembered, to be continued (else it is forgotten: it ended for good). */
export function worthResuming(err: unknown): boolean {
  return err instanceof HoardError && RESUMABLE_AFTER.has(err.code);
}
