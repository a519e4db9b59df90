export * from './hoard-client';
export * from './hoard-client.types';
export * from './hoard-http.error';
export * from './http-transport';
export * from './retry-policy';
export { PackBody } from './multipart-body';
