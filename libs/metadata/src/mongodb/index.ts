/** The MongoDB adapter, imported on its own (`@app/metadata/mongodb`) so the driver loads only when configured. */
export * from './mongo-metadata-store';
export * from './mongo-pack-index';
