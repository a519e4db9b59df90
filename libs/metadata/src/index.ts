export * from './metadata-store';
