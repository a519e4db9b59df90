export * from './pack-index';
export * from './pack-files';
export * from './local-pack-files';
export * from './memory-pack-index';
export * from './pack-writer';
export * from './packed-blob-store';
export * from './pack-maintenance';
export { StoredCopyCorrupt } from './packed-read';
export * from './packed-content-scan';
