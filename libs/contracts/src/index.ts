export * from './digest';
export * from './errors';
export * from './limits';
export * from './routes';
export * from './schemas';
export * from './types';
export * from './byte-rate-limit';
export * from './objects';
