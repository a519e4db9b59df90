export * from './blob-store';
export * from './local/local-fs-blob-store';
