/** DI token of the metadata store's {@link MetadataLifecycle}. */
export const METADATA_LIFECYCLE = Symbol('METADATA_LIFECYCLE');

/**
 * Starting, checking and stopping the metadata store: one connection behind every metadata port.
 * Adapters throw `HoardError('unavailable')` when the database cannot be reached.
 */
export interface MetadataLifecycle {
  /** Short name for logs and /ready (`sqlite`, `mongodb`). */
  readonly kind: string;

  /** Connects, creates or migrates the schema and indexes. */
  init(): Promise<void>;
  /** Throws when the database cannot be reached (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
