import type { MetadataStoreFactory } from './contract-fixtures';
import { describeFileListingContract } from './file-listing.contract';
import { describeFileTimeContract } from './file-time.contract';
import { describeFileRecordingContract } from './file-recording.contract';
import { describeRegistryContract } from './registry.contract';

export type { MetadataStoreFactory } from './contract-fixtures';

/**
 * The behaviour every `MetadataStore` adapter must show, as one jest suite. `factory` returns a fresh,
 * initialised store (an empty database) for each test, and a `cleanup` that closes and removes it.
 */
export function describeMetadataStoreContract(name: string, factory: MetadataStoreFactory): void {
  describe(`MetadataStore contract: ${name}`, () => {
    describe('file versions', () => describeFileRecordingContract(factory));
    describe('file queries', () => describeFileListingContract(factory));
    describe('file queries at a time', () => describeFileTimeContract(factory));
    describe('registry', () => describeRegistryContract(factory));
  });
}
