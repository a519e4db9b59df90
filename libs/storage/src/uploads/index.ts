export * from './upload-store';
export * from './local-upload-store';
export * from './memory-upload-store';
