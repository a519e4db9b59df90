export * from './s3-blob-store';
