import type Database from 'better-sqlite3';

/**
 * Ordered schema migrations; migration `i` brings the schema to version `i + 1` (kept in `PRAGMA user_version`).
 * Append only: never edit a migration that has shipped.
 */
export const SQLITE_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE files (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    hostname      TEXT    NOT NULL,
    filepath      TEXT    NOT NULL,
    version       INTEGER NOT NULL,
    sha256        TEXT    NOT NULL,
    size          INTEGER NOT NULL,
    mode          INTEGER,
    uid           INTEGER,
    gid           INTEGER,
    mtime         REAL,
    atime         REAL,
    ctime         REAL,
    ip_address    TEXT,
    first_seen_at INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    deleted_at    INTEGER,
    is_current    INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX files_path_version ON files (hostname, filepath, version);
  CREATE UNIQUE INDEX files_current_path ON files (hostname, filepath) WHERE is_current = 1;
  CREATE INDEX files_current_host ON files (hostname, id) WHERE is_current = 1;
  CREATE INDEX files_sha256 ON files (sha256, first_seen_at, id);

  CREATE TABLE blobs (
    sha256     TEXT    PRIMARY KEY,
    size       INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    deleted_at INTEGER
  ) WITHOUT ROWID;

  CREATE TABLE api_keys (
    id           TEXT    PRIMARY KEY,
    name         TEXT    NOT NULL,
    scopes       TEXT    NOT NULL,
    hash         TEXT    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    last_used_at INTEGER,
    revoked_at   INTEGER
  );
  `,
  // When each record was last seen lives in a narrow table of its own: a scan confirms every unchanged file, and
  // rewriting a small row instead of the whole record makes that write (and the WAL it fills) several times smaller.
  // Reads go through the view `file_rows`, which has the columns `files` had.
  // `content_ok` is 1 once a confirmation found the record's content stored, so that later confirmations need not
  // look it up again; the triggers clear it whenever that content is taken down or forgotten (NULL: look again).
  `
  CREATE TABLE files_seen (
    id           INTEGER PRIMARY KEY REFERENCES files (id) ON DELETE CASCADE,
    last_seen_at INTEGER NOT NULL,
    content_ok   INTEGER
  );
  INSERT INTO files_seen (id, last_seen_at) SELECT id, last_seen_at FROM files;
  ALTER TABLE files DROP COLUMN last_seen_at;
  CREATE VIEW file_rows AS SELECT files.*, files_seen.last_seen_at AS last_seen_at FROM files JOIN files_seen USING (id);
  CREATE TRIGGER blob_taken_down AFTER UPDATE OF deleted_at ON blobs WHEN NEW.deleted_at IS NOT NULL BEGIN
    UPDATE files_seen SET content_ok = NULL
    WHERE content_ok IS NOT NULL AND id IN (SELECT id FROM files WHERE sha256 = NEW.sha256);
  END;
  CREATE TRIGGER blob_forgotten AFTER DELETE ON blobs BEGIN
    UPDATE files_seen SET content_ok = NULL
    WHERE content_ok IS NOT NULL AND id IN (SELECT id FROM files WHERE sha256 = OLD.sha256);
  END;
  `,
  // Content whose stored copy was found corrupt, the wrong size or missing is quarantined until a verified upload
  // heals it; a confirmation must then look it up again, as after a takedown.
  `
  ALTER TABLE blobs ADD COLUMN quarantined_at INTEGER;
  CREATE TRIGGER blob_quarantined AFTER UPDATE OF quarantined_at ON blobs WHEN NEW.quarantined_at IS NOT NULL BEGIN
    UPDATE files_seen SET content_ok = NULL
    WHERE content_ok IS NOT NULL AND id IN (SELECT id FROM files WHERE sha256 = NEW.sha256);
  END;
  `,
  // A version is a file or a symlink; a symlink keeps its target and has no content. The view `file_rows` takes
  // the new columns through `files.*`.
  `
  ALTER TABLE files ADD COLUMN type TEXT NOT NULL DEFAULT 'file';
  ALTER TABLE files ADD COLUMN link_target TEXT;
  `,
  // The pack index: small content lives at (pack, offset, length) in pack files. `size` is a pack's committed end
  // (bytes past it are garbage of an unfinished flush); an entry is visible once committed, with its flush.
  `
  CREATE TABLE packs (
    id     TEXT    PRIMARY KEY,
    size   INTEGER NOT NULL,
    sealed INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE pack_entries (
    sha256  TEXT    PRIMARY KEY,
    pack_id TEXT    NOT NULL REFERENCES packs (id) ON DELETE CASCADE,
    offset  INTEGER NOT NULL,
    length  INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX pack_entries_pack ON pack_entries (pack_id, offset);
  `,
  // Maintenance jobs, and the retention rules the prune job follows. At most one job of a type is active (queued or
  // running): the partial unique index refuses a second one whatever races to insert it. A running job's lease
  // (owner, expiry) says which instance runs it; `options`, `result`, `error` and `checkpoint` are JSON.
  // A rule's `position` is its index in the list as it was set.
  `
  CREATE TABLE jobs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    type             TEXT    NOT NULL,
    state            TEXT    NOT NULL,
    dry_run          INTEGER NOT NULL,
    options          TEXT    NOT NULL,
    progress_done    INTEGER NOT NULL DEFAULT 0,
    progress_total   INTEGER,
    progress_bytes   INTEGER NOT NULL DEFAULT 0,
    result           TEXT,
    error            TEXT,
    checkpoint       TEXT,
    created_at       INTEGER NOT NULL,
    started_at       INTEGER,
    ended_at         INTEGER,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    lease_owner      TEXT,
    lease_expires_at INTEGER
  );
  CREATE UNIQUE INDEX jobs_active_type ON jobs (type) WHERE state IN ('queued', 'running');
  CREATE INDEX jobs_type ON jobs (type, id);
  CREATE INDEX jobs_state ON jobs (state, id);

  CREATE TABLE retention_rules (
    position          INTEGER PRIMARY KEY,
    hostname          TEXT    NOT NULL,
    path_prefix       TEXT    NOT NULL,
    keep_last         INTEGER,
    keep_within_days  INTEGER,
    keep_deleted_days INTEGER
  );
  `,
  // Objects are versions in the same table as hosts' files, in a namespace of their own ('bucket': `hostname` holds
  // the bucket, `filepath` the key), so that a host and a bucket of one name never share a path. The path indexes
  // start with the namespace; existing rows are hosts'. `metadata` is a JSON object; `files_expiring` finds the
  // object versions whose lifetime ran out.
  `
  ALTER TABLE files ADD COLUMN namespace TEXT NOT NULL DEFAULT 'host';
  ALTER TABLE files ADD COLUMN content_type TEXT;
  ALTER TABLE files ADD COLUMN metadata TEXT;
  ALTER TABLE files ADD COLUMN expires_at INTEGER;
  ALTER TABLE files ADD COLUMN delete_after_download INTEGER NOT NULL DEFAULT 0;
  DROP INDEX files_path_version;
  DROP INDEX files_current_path;
  DROP INDEX files_current_host;
  CREATE UNIQUE INDEX files_path_version ON files (namespace, hostname, filepath, version);
  CREATE UNIQUE INDEX files_current_path ON files (namespace, hostname, filepath) WHERE is_current = 1;
  CREATE INDEX files_current_host ON files (namespace, hostname, id) WHERE is_current = 1;
  CREATE INDEX files_expiring ON files (expires_at) WHERE expires_at IS NOT NULL AND deleted_at IS NULL;
  `,
  // Scan runs: what each host's scans reported. `roots` and `failures` (at most 1,000 kept) are JSON;
  // `failures_total` counts every failure reported. Listing is newest first, by host and by state; the silence
  // sweep looks for running runs by their last update.
  `
  CREATE TABLE scan_runs (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    hostname       TEXT    NOT NULL,
    roots          TEXT    NOT NULL,
    client_name    TEXT    NOT NULL,
    client_version TEXT    NOT NULL,
    key_id         TEXT    NOT NULL,
    state          TEXT    NOT NULL,
    files_seen     INTEGER NOT NULL DEFAULT 0,
    files_hashed   INTEGER NOT NULL DEFAULT 0,
    bytes_hashed   INTEGER NOT NULL DEFAULT 0,
    files_uploaded INTEGER NOT NULL DEFAULT 0,
    bytes_uploaded INTEGER NOT NULL DEFAULT 0,
    files_failed   INTEGER NOT NULL DEFAULT 0,
    failures       TEXT    NOT NULL DEFAULT '[]',
    failures_total INTEGER NOT NULL DEFAULT 0,
    reason         TEXT,
    started_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    ended_at       INTEGER
  );
  CREATE INDEX scan_runs_host ON scan_runs (hostname, id);
  CREATE INDEX scan_runs_state ON scan_runs (state, updated_at);
  `,
  // Garbage collection. `touched_at`: when content was last stored or newly referenced (NULL: not since it was
  // registered, at created_at). `gc_marks`: the entries a run of GC condemned or is removing (only GC writes them); a
  // marked entry is absent to every other read, so confirmations look it up again. `upload_claims`: the uploads under
  // way (only each upload writes its own), which GC heeds before it removes content.
  `
  ALTER TABLE blobs ADD COLUMN touched_at INTEGER;
  CREATE TABLE gc_marks (
    sha256    TEXT    PRIMARY KEY,
    token     TEXT    NOT NULL,
    removing  INTEGER NOT NULL,
    marked_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE upload_claims (
    id         TEXT    PRIMARY KEY,
    sha256     TEXT    NOT NULL,
    claimed_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX upload_claims_sha256 ON upload_claims (sha256, claimed_at);
  CREATE TRIGGER blob_marked AFTER INSERT ON gc_marks BEGIN
    UPDATE files_seen SET content_ok = NULL
    WHERE content_ok IS NOT NULL AND id IN (SELECT id FROM files WHERE sha256 = NEW.sha256);
  END;
  `,
  // Keys limited to tenants: the hostnames and buckets a key alone may see (JSON arrays; both empty: not limited).
  // `tenant_content`: the proofs that a tenant's key uploaded content (`host:<name>` or `bucket:<name>`), only inserted.
  `
  ALTER TABLE api_keys ADD COLUMN hostnames TEXT NOT NULL DEFAULT '[]';
  ALTER TABLE api_keys ADD COLUMN buckets TEXT NOT NULL DEFAULT '[]';
  CREATE TABLE tenant_content (
    sha256    TEXT    NOT NULL,
    tenant    TEXT    NOT NULL,
    proven_at INTEGER NOT NULL,
    PRIMARY KEY (sha256, tenant)
  ) WITHOUT ROWID;
  `,
  // The audit log. Entries are appended only, numbered in the order they were stored (`n`, the rowid: listings go
  // newest first by it); their time is indexed for `since`/`until`. `audit_targets` indexes each entry's digests,
  // hosts and buckets by a 64-bit key (the first 8 bytes of SHA-256 of `kind:value`): a filter by target is a range
  // of its primary key, and small keys keep the index's pages dense. `audit_heads`: the last entry appended to each
  // chain, written by that chain's writer; `audit_anchors`: the last entry pruned from each chain's start.
  `
  CREATE TABLE audit_entries (
    n          INTEGER PRIMARY KEY,
    id         TEXT    NOT NULL,
    chain      TEXT    NOT NULL,
    seq        INTEGER NOT NULL,
    at         INTEGER NOT NULL,
    request_id TEXT    NOT NULL,
    key_id     TEXT,
    key_name   TEXT,
    ip         TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    status     INTEGER NOT NULL,
    bytes      INTEGER NOT NULL,
    targets    TEXT    NOT NULL,
    count      INTEGER NOT NULL,
    prev_hash  TEXT    NOT NULL,
    hash       TEXT    NOT NULL
  );
  CREATE UNIQUE INDEX audit_entries_chain ON audit_entries (chain, seq);
  CREATE INDEX audit_entries_at ON audit_entries (at);
  CREATE INDEX audit_entries_key ON audit_entries (key_id, n);
  CREATE INDEX audit_entries_action ON audit_entries (action, n);
  CREATE TABLE audit_targets (
    k INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (k, n)
  ) WITHOUT ROWID;
  CREATE TABLE audit_heads (
    chain TEXT    PRIMARY KEY,
    seq   INTEGER NOT NULL,
    hash  TEXT    NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE audit_anchors (
    chain TEXT    PRIMARY KEY,
    seq   INTEGER NOT NULL,
    hash  TEXT    NOT NULL
  ) WITHOUT ROWID;
  `,
  // The index of audit targets is written behind the entries, many entries in one transaction: `audit_indexed` is
  // the last entry number whose targets are in it (entries after it are indexed again when the store opens).
  `
  CREATE TABLE audit_indexed (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
  );
  INSERT INTO audit_indexed (id, n) VALUES (1, COALESCE((SELECT MAX(n) FROM audit_entries), 0));
  `,
  // Upload claims are kept in the memory of the process that owns the database (SqliteContentCollector): a claim
  // left here by a process that is gone guards no upload.
  `
  DROP TABLE upload_claims;
  `,
];

/** Applies the migrations the database has not seen yet, each in its own transaction. Returns the new version. */
export function migrateSqlite(db: Database.Database): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SQLITE_MIGRATIONS.length) {
    throw new Error(`database schema version ${current} is newer than this build knows (${SQLITE_MIGRATIONS.length})`);
  }
  for (let version = current; version < SQLITE_MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(SQLITE_MIGRATIONS[version]);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
  return SQLITE_MIGRATIONS.length;
}
