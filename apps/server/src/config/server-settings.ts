import { AppConfig } from './app-config';

/** The values of {@link ServerSettings}. */
export interface ServerSettingsValues {
  /** Largest blob accepted by an upload, in bytes. */
  maxBlobBytes: number;
  /** How long a bearer token from a login is valid, in seconds (never past its key's own expiry). */
  tokenTtlSeconds: number;
  /** The admin key that must exist at start, when one is configured. */
  bootstrapAdminKey: string | null;
  /** Absolute data directory (the first admin key's file is written there). */
  dataDir: string;
  /** How long an instance holds a maintenance job without renewing it. */
  jobLeaseMs: number;
  /** How often the holder of a job renews its lease (and sees a cancel request); less than the lease. */
  jobRenewMs: number;
  /** How often an instance looks for queued jobs and for jobs whose holder died. */
  jobPollMs: number;
  /** A scrub's read rate when its request names none, in bytes per second; 0: unlimited. */
  scrubMaxBytesPerSecond: number;
  /** When to queue each job type (cron expressions); a type not named is never queued on a schedule. */
  jobSchedules: Readonly<Partial<Record<'prune' | 'gc' | 'scrub', string>>>;
  /** Seconds between two sweeps of expired objects; 0: none. */
  objectSweepSeconds: number;
  /** How long a running scan run may stay silent before it is ended as interrupted. */
  scanTimeoutMs: number;
  /** How long after its last successful scan run a host is stale. */
  hostStaleMs: number;
  /** How long content must have gone unstored and unreferenced before garbage collection removes it, in seconds. */
  gcGraceSeconds: number;
  /** Garbage collection rewrites a sealed pack whose live share (live bytes / size) is under this. */
  gcPackRewriteBelow: number;
  /** How long after its creation an unfinished resumable upload expires, in milliseconds. */
  uploadExpiryMs: number;
  /**
   * `tenant`: a key limited to tenants learns that content exists only when its tenants hold it (uploaded it, or
   * name it in a bucket); `global`: any key learns it.
   */
  dedupScope: 'global' | 'tenant';
  /** Whether requests are audited. */
  auditEnabled: boolean;
  /** How long audit entries are kept, in milliseconds; null: forever. */
  auditRetentionMs: number | null;
}

/**
 * What the services need from the configuration, typed and named for what it means rather than for the variable it
 * came from: the one place where `HOARD_*` names become settings. Derived once from the validated AppConfig.
 */
export class ServerSettings implements ServerSettingsValues {
  readonly maxBlobBytes: number;
  readonly tokenTtlSeconds: number;
  readonly bootstrapAdminKey: string | null;
  readonly dataDir: string;
  readonly jobLeaseMs: number;
  readonly jobRenewMs: number;
  readonly jobPollMs: number;
  readonly scrubMaxBytesPerSecond: number;
  readonly jobSchedules: Readonly<Partial<Record<'prune' | 'gc' | 'scrub', string>>>;
  readonly objectSweepSeconds: number;
  readonly scanTimeoutMs: number;
  readonly hostStaleMs: number;
  readonly gcGraceSeconds: number;
  readonly gcPackRewriteBelow: number;
  readonly uploadExpiryMs: number;
  readonly dedupScope: 'global' | 'tenant';
  readonly auditEnabled: boolean;
  readonly auditRetentionMs: number | null;

  constructor(values: ServerSettingsValues) {
    this.maxBlobBytes = values.maxBlobBytes;
    this.tokenTtlSeconds = values.tokenTtlSeconds;
    this.bootstrapAdminKey = values.bootstrapAdminKey;
    this.dataDir = values.dataDir;
    this.jobLeaseMs = values.jobLeaseMs;
    this.jobRenewMs = values.jobRenewMs;
    this.jobPollMs = values.jobPollMs;
    this.scrubMaxBytesPerSecond = values.scrubMaxBytesPerSecond;
    this.jobSchedules = values.jobSchedules;
    this.objectSweepSeconds = values.objectSweepSeconds;
    this.scanTimeoutMs = values.scanTimeoutMs;
    this.hostStaleMs = values.hostStaleMs;
    this.gcGraceSeconds = values.gcGraceSeconds;
    this.gcPackRewriteBelow = values.gcPackRewriteBelow;
    this.uploadExpiryMs = values.uploadExpiryMs;
    this.dedupScope = values.dedupScope;
    this.auditEnabled = values.auditEnabled;
    this.auditRetentionMs = values.auditRetentionMs;
  }

  /** The settings of a validated configuration. */
  static from(config: AppConfig): ServerSettings {
    return new ServerSettings({
      maxBlobBytes: config.HOARD_MAX_BLOB_BYTES,
      tokenTtlSeconds: config.HOARD_TOKEN_TTL_SECONDS,
      bootstrapAdminKey: config.HOARD_BOOTSTRAP_ADMIN_KEY ?? null,
      dataDir: config.dataDir,
      jobLeaseMs: Math.round(config.HOARD_JOB_LEASE_SECONDS * 1000),
      jobRenewMs: Math.round(config.HOARD_JOB_RENEW_SECONDS * 1000),
      jobPollMs: Math.round(config.HOARD_JOB_POLL_SECONDS * 1000),
      scrubMaxBytesPerSecond: config.HOARD_SCRUB_MAX_BYTES_PER_SECOND,
      jobSchedules: Object.fromEntries(
        (
          [
            ['prune', config.HOARD_PRUNE_SCHEDULE],
            ['gc', config.HOARD_GC_SCHEDULE],
            ['scrub', config.HOARD_SCRUB_SCHEDULE],
          ] as const
        ).filter(([, cron]) => cron !== undefined),
      ),
      objectSweepSeconds: config.HOARD_OBJECT_SWEEP_SECONDS,
      scanTimeoutMs: Math.round(config.HOARD_SCAN_TIMEOUT_SECONDS * 1000),
      hostStaleMs: Math.round(config.HOARD_HOST_STALE_HOURS * 3600 * 1000),
      gcGraceSeconds: config.HOARD_GC_GRACE_SECONDS,
      gcPackRewriteBelow: config.HOARD_GC_PACK_REWRITE_BELOW,
      uploadExpiryMs: Math.round(config.HOARD_UPLOAD_EXPIRY_HOURS * 3_600_000),
      dedupScope: config.HOARD_DEDUP_SCOPE,
      auditEnabled: config.HOARD_AUDIT,
      auditRetentionMs: config.HOARD_AUDIT_RETENTION_DAYS === undefined ? null : Math.round(config.HOARD_AUDIT_RETENTION_DAYS * 86_400_000),
    });
  }
}
