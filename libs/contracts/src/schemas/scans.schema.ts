import { Type } from '@sinclair/typebox';
import { LIMITS } from '../limits';
import { Count, ItemsSchema, Nullable, PageSchema, Text, TimeSchema } from './common.schema';

/** Where a scan run is: `running` until its client closes it (or it falls silent); the other three are final. */
export const ScanStateSchema = Type.Unsafe<'running' | 'succeeded' | 'failed' | 'cancelled'>({
  type: 'string',
  enum: ['running', 'succeeded', 'failed', 'cancelled'],
});

/** The states a client may close its run with. */
export const ScanEndStateSchema = Type.Unsafe<'succeeded' | 'failed' | 'cancelled'>({
  type: 'string',
  enum: ['succeeded', 'failed', 'cancelled'],
});

/** The program that ran a scan. */
export const ScanClientSchema = Type.Object({ name: Text(100), version: Text(100) });

/** A file a scan could not read or send, and why. */
export const ScanFailureSchema = Type.Object({ path: Text(LIMITS.filepathMax), reason: Text(1000) });

/** `POST /api/v1/scans`: the host, the roots it walks, and the program. */
export const CreateScanRequestSchema = Type.Object({
  hostname: Text(LIMITS.hostnameMax),
  roots: Type.Array(Text(LIMITS.filepathMax), { maxItems: LIMITS.scanRootsMax }),
  client: ScanClientSchema,
});

/**
 * `PATCH /api/v1/scans/{id}`: the counts so far (each given one replaces the stored one), failures to add, and to
 * close the run its end state. Of the failures, the first 1,000 of the run are kept; `failures_total` counts all.
 */
export const UpdateScanRequestSchema = Type.Object({
  files_seen: Type.Optional(Count()),
  files_hashed: Type.Optional(Count()),
  bytes_hashed: Type.Optional(Count()),
  files_uploaded: Type.Optional(Count()),
  bytes_uploaded: Type.Optional(Count()),
  files_failed: Type.Optional(Count()),
  state: Type.Optional(ScanEndStateSchema),
  failures: Type.Optional(
    Type.Array(ScanFailureSchema, {
      maxItems: LIMITS.scanFailuresMax,
      description: `Added to the run's failures; the first ${LIMITS.scanFailuresKept} of a run are kept, failures_total counts every one`,
    }),
  ),
});

/** One scan run of a host. */
export const ScanRunSchema = Type.Object(
  {
    id: Type.String(),
    hostname: Type.String(),
    roots: Type.Array(Type.String()),
    client: Type.Object({ name: Type.String(), version: Type.String() }),
    key_id: Type.String({ description: 'The key that opened the run; only it may report on the run' }),
    state: ScanStateSchema,
    reason: Nullable(Type.String({ description: 'interrupted: the run fell silent and the server ended it' })),
    files_seen: Count(),
    files_hashed: Count(),
    bytes_hashed: Count(),
    files_uploaded: Count(),
    bytes_uploaded: Count(),
    files_failed: Count(),
    failures: Type.Array(Type.Object({ path: Type.String(), reason: Type.String() }), { maxItems: LIMITS.scanFailuresKept }),
    failures_total: Count({ description: 'Failures reported in all (only the first 1,000 are kept)' }),
    started_at: TimeSchema,
    updated_at: TimeSchema,
    ended_at: Nullable(TimeSchema),
  },
  { title: 'ScanRun' },
);

/** The query of `GET /api/v1/scans`. */
export const ListScansQuerySchema = Type.Object({
  hostname: Type.Optional(Text(LIMITS.hostnameMax)),
  state: Type.Optional(ScanStateSchema),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.listLimitMax, default: LIMITS.listLimitDefault })),
  cursor: Type.Optional(Text(512, { description: 'next_cursor of the previous page' })),
});

/** A page of scan runs, newest first. */
export const ScanRunPageSchema = PageSchema(ScanRunSchema);

/** A route parameter `{id}` of a scan run. */
export const ScanIdParamsSchema = Type.Object({ id: Text(256) });

/** One host: its live files, its latest run, its latest success, and whether that is too long ago. */
export const HostSchema = Type.Object(
  {
    hostname: Type.String(),
    files: Count(),
    logical_bytes: Count(),
    last_scan: Nullable(Type.Object({ id: Type.String(), state: ScanStateSchema, ended_at: Nullable(TimeSchema) })),
    last_success_at: Nullable(TimeSchema),
    stale: Type.Boolean({ description: 'No successful scan run within HOARD_HOST_STALE_HOURS' }),
  },
  { title: 'Host' },
);

/** Every host, by hostname. */
export const HostListSchema = ItemsSchema(HostSchema);
