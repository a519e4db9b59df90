import type Database from 'better-sqlite3';
import type { Sha256 } from '@app/contracts';
import type { BlobRow, FileRow, KeyRow } from './sqlite-rows';

/** Registry entries the reads show: one GC has marked is absent to them (unless it was taken down: that shows). */
export const VISIBLE_BLOB = '(blobs.deleted_at IS NOT NULL OR NOT EXISTS (SELECT 1 FROM gc_marks WHERE gc_marks.sha256 = blobs.sha256))';

/** Every fixed statement of the SQLite adapter, prepared once per connection. */
export function prepareSqliteStatements(db: Database.Database) {
  const file = (sql: string) => db.prepare<unknown[], FileRow>(sql);
  return {
    // Paths are named by (namespace, hostname, filepath) in that order, as the path indexes are.
    currentAny: file('SELECT * FROM file_rows WHERE namespace = ? AND hostname = ? AND filepath = ? AND is_current = 1'),
    currentLive: file(
      'SELECT * FROM file_rows WHERE namespace = ? AND hostname = ? AND filepath = ? AND is_current = 1 AND deleted_at IS NULL',
    ),
    touch: db.prepare(
      `UPDATE files SET size = @size, mode = @mode, uid = @uid, gid = @gid,
         mtime = @mtime, atime = @atime, ctime = @ctime, ip_address = @ip_address WHERE id = @id`,
    ),
    seenAt: db.prepare(
      'INSERT INTO files_seen (id, last_seen_at) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET last_seen_at = excluded.last_seen_at',
    ),
    retire: db.prepare('UPDATE files SET is_current = 0 WHERE id = ?'),
    // Rows as [id, present]; `present`: 1 available, 0 taken down or quarantined, null never registered. The content
    // is looked up only until a confirmation has found it once (`content_ok`, cleared by the triggers of the blobs
    // table). `+hostname` keeps the lookup on the rowid (one b-tree search per id) rather than the (hostname, id) index.
    seen: db
      .prepare<unknown[], [number, number | null]>(
        `UPDATE files_seen SET last_seen_at = ?,
           content_ok = CASE WHEN content_ok = 1 THEN 1 ELSE
             (SELECT blobs.deleted_at IS NULL AND blobs.quarantined_at IS NULL
                AND NOT EXISTS (SELECT 1 FROM gc_marks WHERE gc_marks.sha256 = blobs.sha256) FROM files, blobs
              WHERE files.id = files_seen.id AND blobs.sha256 = files.sha256) END
         WHERE id IN (SELECT id FROM files WHERE id IN (SELECT value FROM json_each(?))
           AND +hostname = ? AND +namespace = 'host' AND is_current = 1 AND deleted_at IS NULL)
         RETURNING id, content_ok`,
      )
      .raw(),
    // Rows as [id, sha256, registered (1 or 0), blob taken down at, blob quarantined at].
    registryOf: db
      .prepare<unknown[], [number, Sha256, number, number | null, number | null]>(
        `SELECT files.id, files.sha256, blobs.sha256 IS NOT NULL AND ${VISIBLE_BLOB}, blobs.deleted_at, blobs.quarantined_at
       FROM files LEFT JOIN blobs ON blobs.sha256 = files.sha256 WHERE files.id IN (SELECT value FROM json_each(?))`,
      )
      .raw(),
    insert: db.prepare(
      `INSERT INTO files (hostname, filepath, version, sha256, size, mode, uid, gid, mtime, atime, ctime, ip_address,
         first_seen_at, deleted_at, is_current, type, link_target, namespace, content_type, metadata, expires_at, delete_after_download)
       VALUES (@hostname, @filepath, @version, @sha256, @size, @mode, @uid, @gid, @mtime, @atime, @ctime, @ip_address,
         @first_seen_at, NULL, 1, @type, @link_target, @namespace, @content_type, @metadata, @expires_at, @delete_after_download)`,
    ),
    deletePath: db.prepare(
      `UPDATE files SET deleted_at = ? WHERE namespace = ? AND hostname = ? AND filepath = ? AND is_current = 1 AND deleted_at IS NULL`,
    ),
    deleteId: db.prepare('UPDATE files SET deleted_at = COALESCE(deleted_at, ?) WHERE id = ?'),
    deletePrefix: db.prepare(
      `UPDATE files SET deleted_at = @now WHERE namespace = @namespace AND hostname = @hostname AND is_current = 1 AND deleted_at IS NULL
         AND (filepath = @exact OR (filepath >= @from AND (@below IS NULL OR filepath < @below)))`,
    ),
    byId: file('SELECT * FROM file_rows WHERE id = ?'),
    history: file('SELECT * FROM file_rows WHERE namespace = ? AND hostname = ? AND filepath = ? ORDER BY version DESC'),
    clones: file(`SELECT * FROM file_rows WHERE sha256 = ? AND is_current = 1 AND deleted_at IS NULL ORDER BY first_seen_at, id`),
    epoch: file(`SELECT * FROM file_rows WHERE sha256 = ? AND namespace = 'host' ORDER BY first_seen_at, id LIMIT 1`),
    objectLatest: file(
      `SELECT * FROM file_rows WHERE namespace = 'bucket' AND hostname = ? AND filepath = ? ORDER BY version DESC LIMIT 1`,
    ),
    objectVersion: file(`SELECT * FROM file_rows WHERE namespace = 'bucket' AND hostname = ? AND filepath = ? AND version = ?`),
    deleteVersionOnce: db.prepare(`UPDATE files SET deleted_at = ? WHERE id = ? AND namespace = 'bucket' AND deleted_at IS NULL`),
    deleteExpired: db.prepare(
      `UPDATE files SET deleted_at = @now WHERE id IN (SELECT id FROM files WHERE expires_at IS NOT NULL AND deleted_at IS NULL
         AND expires_at <= @now AND namespace = 'bucket' ORDER BY expires_at LIMIT @limit)`,
    ),

    // A takedown stays: registering heals a quarantine only; it touches the entry (stored now).
    registerBlob: db.prepare<unknown[], BlobRow>(
      `INSERT INTO blobs (sha256, size, created_at, deleted_at, quarantined_at) VALUES (?, ?, ?, NULL, NULL)
       ON CONFLICT (sha256) DO UPDATE SET size = excluded.size, quarantined_at = NULL, touched_at = excluded.created_at RETURNING *`,
    ),
    fixSizes: db.prepare('UPDATE files SET size = @size WHERE sha256 = @sha256 AND size <> @size'),
    blob: db.prepare<unknown[], BlobRow>(`SELECT * FROM blobs WHERE sha256 = ? AND ${VISIBLE_BLOB}`),
    blobsIn: db.prepare<unknown[], BlobRow>(`SELECT * FROM blobs WHERE sha256 IN (SELECT value FROM json_each(?)) AND ${VISIBLE_BLOB}`),
    quarantineBlob: db.prepare('UPDATE blobs SET quarantined_at = COALESCE(quarantined_at, ?) WHERE sha256 = ?'),
    takeDownBlob: db.prepare(
      `INSERT INTO blobs (sha256, size, created_at, deleted_at, quarantined_at) VALUES (@sha256, @size, @now, @now, NULL)
       ON CONFLICT (sha256) DO UPDATE SET deleted_at = COALESCE(blobs.deleted_at, excluded.deleted_at)`,
    ),
    reinstateBlob: db.prepare('DELETE FROM blobs WHERE sha256 = ? AND deleted_at IS NOT NULL'),
    blobsAfter: db.prepare<unknown[], BlobRow>('SELECT * FROM blobs WHERE sha256 > ? ORDER BY sha256 LIMIT ?'),

    insertKey: db.prepare(
      `INSERT INTO api_keys (id, name, scopes, hostnames, buckets, hash, created_at, expires_at, last_used_at, revoked_at)
       VALUES (@id, @name, @scopes, @hostnames, @buckets, @hash, @created_at, @expires_at, @last_used_at, @revoked_at)`,
    ),
    keyByHash: db.prepare<unknown[], KeyRow>('SELECT * FROM api_keys WHERE hash = ?'),
    keyById: db.prepare<unknown[], KeyRow>('SELECT * FROM api_keys WHERE id = ?'),
    keys: db.prepare<unknown[], KeyRow>('SELECT * FROM api_keys ORDER BY created_at, id'),
    revokeKey: db.prepare('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?'),
    touchKey: db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?'),
    countKeys: db.prepare<unknown[], { n: number }>('SELECT COUNT(*) AS n FROM api_keys'),

    // Buckets are not hosts: they count as objects, and their bytes are logical bytes as every record's are.
    fileStats: db.prepare<unknown[], { files: number; hosts: number; objects: number; logical: number }>(
      `SELECT COUNT(*) FILTER (WHERE namespace = 'host') AS files, COUNT(DISTINCT hostname) FILTER (WHERE namespace = 'host') AS hosts,
         COUNT(*) FILTER (WHERE namespace = 'bucket') AS objects, COALESCE(SUM(size), 0) AS logical
       FROM files WHERE is_current = 1 AND deleted_at IS NULL`,
    ),
    blobStats: db.prepare<unknown[], { blobs: number; stored: number }>(
      'SELECT COUNT(*) AS blobs, COALESCE(SUM(size), 0) AS stored FROM blobs WHERE deleted_at IS NULL AND quarantined_at IS NULL',
    ),
    ping: db.prepare('SELECT 1'),
  };
}

export type SqliteStatements = ReturnType<typeof prepareSqliteStatements>;
