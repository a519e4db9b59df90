import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsString, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import { resolve } from 'node:path';

import { toBool, toInt, toNumber } from './env-transforms';
import { IsCronExpression } from './is-cron';

/**
 * The server's whole configuration, read from the environment once at boot and validated.
 * Nothing else reads process.env.
 */
export class AppConfig {
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 8000;

  @IsString()
  @MinLength(1)
  HOST = '0.0.0.0';

  @IsString()
  @MinLength(1)
  HOARD_DATA_DIR = './data';

  /** Largest blob accepted by PUT, in bytes (default 1 TiB). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  HOARD_MAX_BLOB_BYTES = 1024 ** 4;

  /** Largest JSON body, in bytes (a batch of 1,000 records with long paths fits in the default). */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  HOARD_MAX_JSON_BYTES = 16 * 1024 * 1024;

  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'HOARD_BOOTSTRAP_ADMIN_KEY must be at least 16 characters' })
  @MaxLength(512)
  HOARD_BOOTSTRAP_ADMIN_KEY?: string;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  HOARD_LOG_LEVEL = 'info';

  /**
   * Binds what services log while handling a request to that request's id (nestjs-pino's request context, an
   * AsyncLocalStorage). Off by default: on Node 20 it hooks every promise of the process, 12-15% of the server's time.
   */
  @Transform(toBool)
  @IsBoolean()
  HOARD_LOG_REQUEST_CONTEXT = false;

  @Transform(toBool)
  @IsBoolean()
  HOARD_METRICS = true;

  /** When set, `/metrics` answers only `Authorization: Bearer <this key>`. */
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'HOARD_METRICS_KEY must be at least 16 characters' })
  @MaxLength(512)
  HOARD_METRICS_KEY?: string;

  /** When set, `/metrics` is served on this port (of HOST) only, not on PORT. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(65535)
  HOARD_METRICS_PORT?: number;

  /** How long a bearer token from `POST /api/login` is valid, in seconds (never past its key's own expiry). */
  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(86_400)
  HOARD_TOKEN_TTL_SECONDS = 3600;

  /** Requests per key per window; 0 turns rate limiting off. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  HOARD_RATE_LIMIT = 0;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  HOARD_RATE_LIMIT_WINDOW_SECONDS = 60;

  /** A connection that sends and receives nothing for this long is closed (fractions allowed). */
  @Transform(toNumber)
  @IsNumber()
  @Min(0.1)
  HOARD_IDLE_TIMEOUT_SECONDS = 30;

  /** The request line and headers must have arrived within this long (`408` otherwise). */
  @Transform(toNumber)
  @IsNumber()
  @Min(0.1)
  HOARD_HEADERS_TIMEOUT_SECONDS = 20;

  /** A JSON body must have arrived whole within this long of its headers (`408` otherwise). */
  @Transform(toNumber)
  @IsNumber()
  @Min(0.1)
  HOARD_JSON_TIMEOUT_SECONDS = 60;

  /** Uploads (PUT, pack, PutPlace upload) in flight at once, all keys together (`503` beyond). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  HOARD_MAX_UPLOADS = 256;

  /** Uploads in flight at once for one key (`429` beyond). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  HOARD_MAX_UPLOADS_PER_KEY = 64;

  /** Requests are shed (`503`) while the mean event-loop delay is over this many milliseconds; 0 turns it off. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  HOARD_MAX_EVENT_LOOP_DELAY_MS = 1000;

  /** Requests are shed (`503`) while the V8 heap in use is over this many bytes; 0 means 90% of the heap limit. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  HOARD_MAX_HEAP_BYTES = 0;

  /** How long SIGTERM waits for in-flight requests before the process exits anyway. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  HOARD_SHUTDOWN_TIMEOUT_MS = 30_000;

  /** /ready answers 503 when the local blob store's file system has fewer bytes free (default 1 GiB; 0: never). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  HOARD_MIN_FREE_BYTES = 1024 ** 3;

  /**
   * Content under this many bytes is appended to pack files (group-committed) rather than stored as a file of its
   * own; 0 packs nothing new (packed content stays readable). On S3 each pack is one object; with MongoDB the pack
   * index is shared by the instances. At most 16 MiB: small content is held in memory until its flush.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(16 * 1024 * 1024)
  HOARD_PACK_THRESHOLD = 1024 * 1024;

  /**
   * How often each instance marks objects whose lifetime ran out deleted (they answer `410` from that moment
   * anyway), releasing their content to the lifecycle's pruning and GC; 0 turns the sweep off.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(86_400)
  HOARD_OBJECT_SWEEP_SECONDS = 60;

  /**
   * Garbage collection removes content no record references only once it was neither stored nor newly referenced for
   * this long (a client may upload content just before it records it).
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  HOARD_GC_GRACE_SECONDS = 86_400;

  /** Garbage collection rewrites a sealed pack whose live bytes fell under this share of its size (0: only empty packs). */
  @Transform(toNumber)
  @IsNumber()
  @Min(0)
  @Max(1)
  HOARD_GC_PACK_REWRITE_BELOW = 0.5;

  /**
   * Whom the server tells that content exists: `global` (any key; saves the upload of content anyone stored) or
   * `tenant` (a key limited to tenants learns only of content its tenants hold; other content is uploaded again,
   * verified, and stored once).
   */
  @IsIn(['global', 'tenant'])
  HOARD_DEDUP_SCOPE: 'global' | 'tenant' = 'global';

  @IsIn(['sqlite', 'mongodb'])
  HOARD_METADATA: 'sqlite' | 'mongodb' = 'sqlite';

  @ValidateIf((c: AppConfig) => c.HOARD_METADATA === 'mongodb')
  @IsString({ message: 'MONGODB_URI is required when HOARD_METADATA=mongodb' })
  @MinLength(1, { message: 'MONGODB_URI is required when HOARD_METADATA=mongodb' })
  MONGODB_URI?: string;

  @IsString()
  @MinLength(1)
  MONGODB_DB = 'hoard';

  @IsIn(['local', 's3'])
  HOARD_STORAGE: 'local' | 's3' = 'local';

  @ValidateIf((c: AppConfig) => c.HOARD_STORAGE === 's3')
  @IsString({ message: 'S3_BUCKET is required when HOARD_STORAGE=s3' })
  @MinLength(3, { message: 'S3_BUCKET is required when HOARD_STORAGE=s3' })
  S3_BUCKET?: string;

  @IsString()
  S3_PREFIX = '';

  @IsOptional()
  @IsString()
  S3_ENDPOINT?: string;

  @IsOptional()
  @IsString()
  S3_REGION?: string;

  @Transform(toBool)
  @IsBoolean()
  S3_FORCE_PATH_STYLE = false;

  /** Multipart part size in bytes (at least 5 MiB, as S3 requires). */
  @Transform(toInt)
  @IsInt()
  @Min(5 * 1024 * 1024)
  S3_PART_SIZE = 8 * 1024 * 1024;

  /** Parts uploaded in parallel per blob. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  S3_QUEUE_SIZE = 4;

  /** Create the bucket at start when it does not exist. */
  @Transform(toBool)
  @IsBoolean()
  S3_CREATE_BUCKET = false;

  /**
   * How long an instance holds a maintenance job without renewing it: when its holder dies, another instance takes
   * the job over this long after the last renewal (fractions allowed).
   */
  @Transform(toNumber)
  @IsNumber()
  @Min(1)
  HOARD_JOB_LEASE_SECONDS = 30;

  /** How often the holder of a job renews its lease and looks for a cancel request; less than the lease. */
  @Transform(toNumber)
  @IsNumber()
  @Min(0.1)
  HOARD_JOB_RENEW_SECONDS = 10;

  /** How often an instance looks for queued jobs (and for jobs whose holder died); a job queued on it starts at once. */
  @Transform(toNumber)
  @IsNumber()
  @Min(0.1)
  HOARD_JOB_POLL_SECONDS = 5;

  /** A running scan run that reports nothing for this long is ended as `failed` with reason `interrupted` (fractions allowed). */
  @Transform(toNumber)
  @IsNumber()
  @Min(1)
  HOARD_SCAN_TIMEOUT_SECONDS = 600;

  /** A host with no successful scan run within this many hours is shown as stale (fractions allowed). */
  @Transform(toNumber)
  @IsNumber()
  @Min(0.01)
  HOARD_HOST_STALE_HOURS = 26;

  /** Whether every request that changes state or reads content appends an audit entry (`on`/`off`). */
  @Transform(toBool)
  @IsBoolean()
  HOARD_AUDIT = true;

  /** Audit entries older than this many days are pruned (fractions allowed); unset: kept forever. */
  @IsOptional()
  @Transform(toNumber)
  @IsNumber()
  @Min(0.0001)
  HOARD_AUDIT_RETENTION_DAYS?: number;

  /**
   * Bytes per second a scrub reads at most, when its request names no `max_bytes_per_second` (scheduled scrubs
   * always); 0: as fast as the store answers.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  HOARD_SCRUB_MAX_BYTES_PER_SECOND = 0;
  /** When to queue a prune job (cron expression, server time); unset: never on a schedule. */
  @IsOptional()
  @IsCronExpression()
  HOARD_PRUNE_SCHEDULE?: string;

  /** When to queue a gc job; unset: never on a schedule. */
  @IsOptional()
  @IsCronExpression()
  HOARD_GC_SCHEDULE?: string;

  /** When to queue a scrub job; unset: never on a schedule. */
  @IsOptional()
  @IsCronExpression()
  HOARD_SCRUB_SCHEDULE?: string;

  /**
   * Unfinished resumable (tus) uploads expire this many hours after they were created (fractions allowed): later
   * requests for them answer `410`, and a periodic sweep removes their bytes (on S3 it aborts the multipart upload).
   */
  @Transform(toNumber)
  @IsNumber()
  @Min(0.0001)
  @Max(24 * 365)
  HOARD_UPLOAD_EXPIRY_HOURS = 24;

  /**
   * Where the built web console is (`npm run build` writes it to `dist/console`); unset: the one built beside the
   * server. The console is served under `/console` when that directory holds its `index.html`.
   */
  @IsOptional()
  @IsString()
  @MinLength(1)
  HOARD_CONSOLE_DIR?: string;

  /** Absolute data directory. */
  get dataDir(): string {
    return resolve(this.HOARD_DATA_DIR);
  }
}
