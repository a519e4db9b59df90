import { describePackIndexContract } from '../testing/pack-index.contract';
import { MemoryPackIndex } from './memory-pack-index';

describePackIndexContract('memory', async () => ({ sut: new MemoryPackIndex(), cleanup: async () => undefined }));
