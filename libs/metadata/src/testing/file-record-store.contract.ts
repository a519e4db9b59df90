import type { RecordsAndRegistry, StoreFactory } from './contract-fixtures';
import { describeFileListingContract } from './file-listing.contract';
import { describeFileRecordingContract } from './file-recording.contract';
import { describeFileTimeContract } from './file-time.contract';
import { describeObjectRecordsContract } from './object-records.contract';

/**
 * The behaviour every `FileRecordStore` adapter must show, with the registry that decides which confirmed records'
 * content must be uploaded.
 */
export function describeFileRecordStoreContract(name: string, factory: StoreFactory<RecordsAndRegistry>): void {
  describe(`FileRecordStore contract: ${name}`, () => {
    describe('file versions', () => describeFileRecordingContract(factory));
    describe('file queries', () => describeFileListingContract(factory));
    describe('file queries at a time', () => describeFileTimeContract(factory));
    describe('objects', () => describeObjectRecordsContract(factory));
  });
}
