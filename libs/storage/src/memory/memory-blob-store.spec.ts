import { describeBlobStoreContract } from '../testing/blob-store.contract';
import { MemoryBlobStore } from './memory-blob-store';

describeBlobStoreContract('memory', async () => ({ sut: new MemoryBlobStore(), cleanup: async () => undefined }));
