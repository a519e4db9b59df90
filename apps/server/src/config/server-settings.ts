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
  /** How long after its creation an unfinished resumable upload expires, in milliseconds. */
  uploadExpiryMs: number;
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
  readonly uploadExpiryMs: number;

  constructor(values: ServerSettingsValues) {
    this.maxBlobBytes = values.maxBlobBytes;
    this.tokenTtlSeconds = values.tokenTtlSeconds;
    this.bootstrapAdminKey = values.bootstrapAdminKey;
    this.dataDir = values.dataDir;
    this.uploadExpiryMs = values.uploadExpiryMs;
  }

  /** The settings of a validated configuration. */
  static from(config: AppConfig): ServerSettings {
    return new ServerSettings({
      maxBlobBytes: config.HOARD_MAX_BLOB_BYTES,
      tokenTtlSeconds: config.HOARD_TOKEN_TTL_SECONDS,
      bootstrapAdminKey: config.HOARD_BOOTSTRAP_ADMIN_KEY ?? null,
      dataDir: config.dataDir,
      uploadExpiryMs: Math.round(config.HOARD_UPLOAD_EXPIRY_HOURS * 3_600_000),
    });
  }
}
