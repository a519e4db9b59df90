import type { AuditStore } from './audit-store';
import type { BlobRegistry } from './blob-registry';
import type { ContentCollector } from './content-collector';
import type { FileRecordStore } from './file-record-store';
import type { JobStore } from './job-store';
import type { RecordPruner } from './record-pruner';
import type { RetentionStore } from './retention-store';
import type { KeyStore } from './key-store';
import type { MetadataLifecycle } from './metadata-lifecycle';
import type { ObjectRecordStore } from './object-record-store';
import type { StatsReader } from './stats-reader';
import type { ScanRunStore } from './scan-run-store';
import type { TenantContent } from './tenant-content';

/** DI token of the whole metadata adapter; only the stores module sees it and provides each port's token from it. */
export const METADATA_STORE = Symbol('METADATA_STORE');

/**
 * What one metadata adapter (sqlite, mongodb) implements on one connection: every metadata port. Services never
 * depend on it; each injects only the port it needs.
 */
export type MetadataStore = MetadataLifecycle &
  FileRecordStore &
  BlobRegistry &
  KeyStore &
  StatsReader &
  JobStore &
  RetentionStore &
  RecordPruner &
  ObjectRecordStore &
  ScanRunStore &
  ContentCollector &
  TenantContent &
  AuditStore;
