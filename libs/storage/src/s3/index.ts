export * from './s3-blob-store';
export * from './s3-pack-files';
export * from './s3-upload-store';
