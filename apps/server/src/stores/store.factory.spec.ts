import { LocalFsBlobStore, PackedBlobStore } from '@app/storage';
import { loadConfig } from '../config/app-config';
import { createBlobStore } from './store.factory';

describe('createBlobStore', () => {
  const sut = (env: Record<string, string>) => createBlobStore(loadConfig({ HOARD_DATA_DIR: '/tmp/hoard-factory-spec', ...env }));

  it('packs small content by default, on local storage with SQLite', () => {
    expect(sut({})).toBeInstanceOf(PackedBlobStore);
  });

  it('stores every content loose when packs are turned off or the metadata store has no pack index', () => {
    const envs: Array<Record<string, string>> = [{ HOARD_PACK_THRESHOLD: '0' }, { HOARD_METADATA: 'mongodb', MONGODB_URI: 'mongodb://127.0.0.1:1' }];
    for (const env of envs) {
      const store = sut(env);
      expect([store instanceof PackedBlobStore, store instanceof LocalFsBlobStore]).toEqual([false, true]);
    }
  });

  it('refuses a threshold over 16 MiB: small content is held in memory until its flush', () => {
    expect(() => sut({ HOARD_PACK_THRESHOLD: String(16 * 1024 * 1024 + 1) })).toThrow(/HOARD_PACK_THRESHOLD/);
  });
});
