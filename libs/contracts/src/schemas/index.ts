export * from './common.schema';
export * from './files.schema';
export * from './blobs.schema';
export * from './keys.schema';
export * from './server.schema';
export * from './putplace.schema';
export * from './jobs.schema';
export * from './retention.schema';
