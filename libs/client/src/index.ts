export * from './hoard-client';
export * from './hoard-client.types';
export * from './hoard-http.error';
export * from './http-transport';
export * from './retry-policy';
export type { PackFile, PackFileResult } from './blob-pack';
export type { ObjectDownload, ObjectDownloadOptions, ObjectHead, ObjectListQuery, ObjectPutOptions } from './object-routes';
export type { ResumableUploadOptions, ResumableUploadResult } from './resumable-upload';
export type { AuditFilters } from './audit';
