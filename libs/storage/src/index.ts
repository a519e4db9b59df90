export * from './blob-store';
export * from './local/local-fs-blob-store';
export * from './memory/memory-blob-store';
export * from './packs';
export * from './uploads';
export * from './content-scan';
export * from './content-scan-of';
export { digestAll, hashesOnPool, hashStream } from './shared/pool-hash';
export { verifyBody } from './shared/verify-body';
