export * from './metadata-store';
export * from './sqlite/sqlite-metadata-store';
export * from './content-state';
export * from './sqlite/sqlite-pack-index';
