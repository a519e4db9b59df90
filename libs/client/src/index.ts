export * from './hoard-client';
export * from './hoard-http.error';
export * from './http-transport';
export * from './retry-policy';
