import { describeUploadStoreContract } from '../testing/upload-store.contract';
import { MemoryUploadStore } from './memory-upload-store';

describeUploadStoreContract('memory', async (expiryMs) => ({ sut: new MemoryUploadStore(expiryMs), cleanup: async () => undefined }));
