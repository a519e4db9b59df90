import type { MetadataStoreFactory } from './contract-fixtures';
import { describeBlobRegistryContract } from './blob-registry.contract';
import { describeContentCollectorContract } from './content-collector.contract';
import { describeFileRecordStoreContract } from './file-record-store.contract';
import { describeJobStoreContract } from './job-store.contract';
import { describeRecordPrunerContract } from './record-pruner.contract';
import { describeRetentionStoreContract } from './retention-store.contract';
import { describeKeyStoreContract } from './key-store.contract';
import { describeStatsReaderContract } from './stats-reader.contract';
import { describeScanRunStoreContract } from './scan-run-store.contract';
import { describeTenantContentContract } from './tenant-content.contract';

export type { MetadataStoreFactory } from './contract-fixtures';

/**
 * Every metadata port's suite against one adapter. `factory` returns a fresh, initialised store (an empty
 * database) for each test, and a `cleanup` that closes and removes it.
 */
export function describeMetadataStoreContract(name: string, factory: MetadataStoreFactory): void {
  describeFileRecordStoreContract(name, factory);
  describeBlobRegistryContract(name, factory);
  describeKeyStoreContract(name, factory);
  describeStatsReaderContract(name, factory);
  describeJobStoreContract(name, factory);
  describeRetentionStoreContract(name, factory);
  describeRecordPrunerContract(name, factory);
  describeScanRunStoreContract(name, factory);
  describeContentCollectorContract(name, factory);
  describeTenantContentContract(name, factory);
}
