import type Database from 'better-sqlite3';

/**
 * The URLs of resumable uploads that have not ended, by server and digest: a large file's upload that a dropped
 * connection, a stopped server or a killed CLI cut short continues from the server's offset at the next attempt
 * (the next run included) instead of starting over. Kept in the state cache's database, table `uploads`.
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

  /** The URL of the unfinished upload of this content (of this size), or null. */
  get(sha256: string, size: number): string | null {
    const row = this.statements.get.get(this.server, sha256, size) as { url: string } | undefined;
    return row?.url ?? null;
  }

  /** Remembers the URL of an upload just created (replacing one of an earlier attempt). */
  remember(sha256: string, size: number, url: string): void {
    this.statements.put.run(this.server, sha256, size, url, Date.now());
  }

  /** Forgets the upload of this content: it ended (stored, or refused for good). */
  forget(sha256: string): void {
    this.statements.remove.run(this.server, sha256);
  }

  private prepare() {
    return {
      get: this.db.prepare('SELECT url FROM uploads WHERE server = ? AND sha256 = ? AND size = ?'),
      put: this.db.prepare('INSERT OR REPLACE INTO uploads (server, sha256, size, url, created_at) VALUES (?, ?, ?, ?, ?)'),
      remove: this.db.prepare('DELETE FROM uploads WHERE server = ? AND sha256 = ?'),
    };
  }
}
