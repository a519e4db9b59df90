/**
 * Plain shapes of the HTTP contract (API.md), each derived from its JSON Schema in `schemas/`: the server validates
 * and documents with the schemas, the client returns these types, so both read one definition.
 */
import type { Static } from '@sinclair/typebox';
import type {
  AuditEntrySchema,
  AuditTargetSchema,
  AuditVerifySchema,
  ListAuditQuerySchema,
  CreateScanRequestSchema,
  HostSchema,
  ListScansQuerySchema,
  ScanRunSchema,
  ScanStateSchema,
  UpdateScanRequestSchema,
  BatchRequestSchema,
  CompatCreatedKeySchema,
  CompatCreateKeyRequestSchema,
  BatchResponseSchema,
  BatchResultItemSchema,
  CountResponseSchema,
  CreatedKeySchema,
  CreateKeyRequestSchema,
  CreateJobRequestSchema,
  DeletedRequestSchema,
  FileMetadataSchema,
  FileRecordSchema,
  FileTypeSchema,
  JobSchema,
  JobStateSchema,
  JobTypeSchema,
  KeyIdentitySchema,
  KeyInfoSchema,
  ListFilesQuerySchema,
  ListJobsQuerySchema,
  RetentionRuleSchema,
  RetentionRulesSchema,
  StoredRetentionRuleSchema,
  LoginRequestSchema,
  LoginResponseSchema,
  MissingRequestSchema,
  MissingResponseSchema,
  ObjectInfoSchema,
  ClonesSchema,
  PackItemResultSchema,
  PutBlobResponseSchema,
  PutFileResponseSchema,
  PutPlaceFileRecordSchema,
  RecordFileResponseSchema,
  RecordStatusSchema,
  SeenRequestSchema,
  SeenResponseSchema,
  ServerInfoSchema,
  StatsSchema,
} from './schemas';

export type Scope = 'read' | 'write' | 'admin';
export const SCOPES: readonly Scope[] = ['read', 'write', 'admin'];

/** What a record describes: a regular file (its content by digest) or a symbolic link (its target, no content). */
export type FileType = Static<typeof FileTypeSchema>;
export const FILE_TYPES: readonly FileType[] = ['file', 'symlink'];

/** What a host says about one file it found. */
export type FileMetadata = Static<typeof FileMetadataSchema>;

/** One version of the file at (hostname, filepath). */
export type FileRecord = Static<typeof FileRecordSchema>;

/** The fields of a record that describe the file as last seen; those the host did not send are null. */
export type FileStatFields = Pick<FileRecord, 'size' | 'mode' | 'uid' | 'gid' | 'mtime' | 'atime' | 'ctime' | 'ip_address'>;

export type RecordFileResponse = Static<typeof RecordFileResponseSchema>;
export type RecordStatus = Static<typeof RecordStatusSchema>;
export type BatchResultItem = Static<typeof BatchResultItemSchema>;
export type BatchRequest = Static<typeof BatchRequestSchema>;
export type BatchResponse = Static<typeof BatchResponseSchema>;
export type DeletedRequest = Static<typeof DeletedRequestSchema>;

/** Confirms that unchanged files are still where they were recorded, by record id. */
export type SeenRequest = Static<typeof SeenRequestSchema>;
export type SeenResponse = Static<typeof SeenResponseSchema>;
export type CountResponse = Static<typeof CountResponseSchema>;
export type ListFilesQuery = Static<typeof ListFilesQuerySchema>;

/** A page of a listing (PageSchema). */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** A complete listing (ItemsSchema). */
export interface Items<T> {
  items: T[];
}

export type MissingRequest = Static<typeof MissingRequestSchema>;
export type MissingResponse = Static<typeof MissingResponseSchema>;
export type PutBlobResponse = Static<typeof PutBlobResponseSchema>;

/** One part of `POST /api/v1/blobs/pack`: stored (as a PUT would answer), or refused with an error. */
export type PackItemResult = Static<typeof PackItemResultSchema>;

export type CreateKeyRequest = Static<typeof CreateKeyRequestSchema>;
export type KeyInfo = Static<typeof KeyInfoSchema>;
export type CreatedKey = Static<typeof CreatedKeySchema>;
export type KeyIdentity = Static<typeof KeyIdentitySchema>;
export type Stats = Static<typeof StatsSchema>;
export type ServerInfo = Static<typeof ServerInfoSchema>;

/** PutPlace's login: the password is an API key; the answer a bearer token for it. */
export type LoginRequest = Static<typeof LoginRequestSchema>;
export type LoginResponse = Static<typeof LoginResponseSchema>;
export type PutFileResponse = Static<typeof PutFileResponseSchema>;
export type PutPlaceFileRecord = Static<typeof PutPlaceFileRecordSchema>;
export type CompatCreateKeyRequest = Static<typeof CompatCreateKeyRequestSchema>;
export type CompatCreatedKey = Static<typeof CompatCreatedKeySchema>;

/** A maintenance job's type and state. */
export type JobType = Static<typeof JobTypeSchema>;
export type JobState = Static<typeof JobStateSchema>;
export const JOB_TYPES: readonly JobType[] = ['prune', 'gc', 'scrub'];

/** `POST /api/v1/jobs`: the type, whether it only counts, and the options of that type. */
export type CreateJobRequest = Static<typeof CreateJobRequestSchema> & Record<string, unknown>;
/** A maintenance job as the API shows it. */
export type Job = Static<typeof JobSchema>;
export type ListJobsQuery = Static<typeof ListJobsQuerySchema>;

/** A retention rule as a request gives it (absent measures are null) and as the server answers it. */
export type RetentionRuleInput = Static<typeof RetentionRuleSchema>;
export type RetentionRulesInput = Static<typeof RetentionRulesSchema>;
export type RetentionRuleView = Static<typeof StoredRetentionRuleSchema>;
export interface RetentionRules {
  rules: RetentionRuleView[];
}

/** One version of an object (`{bucket}/{key}`). */
export type ObjectInfo = Static<typeof ObjectInfoSchema>;

/** The records of hosts and the objects whose content is one digest. */
export type Clones = Static<typeof ClonesSchema>;

/** A scan run as the API shows it, what opens and reports on one, and a host's summary. */
export type ScanState = Static<typeof ScanStateSchema>;
export type CreateScanRequest = Static<typeof CreateScanRequestSchema>;
export type UpdateScanRequest = Static<typeof UpdateScanRequestSchema>;
export type ScanRun = Static<typeof ScanRunSchema>;
export type ListScansQuery = Static<typeof ListScansQuerySchema>;
export type Host = Static<typeof HostSchema>;
export type AuditTargetInfo = Static<typeof AuditTargetSchema>;
export type AuditEntryInfo = Static<typeof AuditEntrySchema>;
export type ListAuditQuery = Static<typeof ListAuditQuerySchema>;
export type AuditVerification = Static<typeof AuditVerifySchema>;
