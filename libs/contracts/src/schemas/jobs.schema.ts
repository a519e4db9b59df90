import { Type } from '@sinclair/typebox';
import { LIMITS } from '../limits';
import { Count, Nullable, PageSchema, Text, TimeSchema } from './common.schema';

/** The maintenance jobs: `prune` (records no retention rule keeps), `gc` (unreferenced content), `scrub` (re-hash). */
export const JobTypeSchema = Type.Unsafe<'prune' | 'gc' | 'scrub'>({ type: 'string', enum: ['prune', 'gc', 'scrub'] });

/** Where a job is: `queued` and `running` are active; the other three are final. */
export const JobStateSchema = Type.Unsafe<'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled'>({
  type: 'string',
  enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'],
});

/**
 * `POST /api/v1/jobs`: a job's type, whether it only counts, and the options of its type (every other field of the
 * body is handed to the job type, which checks it).
 */
export const CreateJobRequestSchema = Type.Object(
  {
    type: JobTypeSchema,
    dry_run: Type.Optional(Type.Boolean({ default: false, description: 'count and report, change nothing' })),
  },
  { additionalProperties: true, description: 'Fields besides type and dry_run are options of the job type (scrub: max_bytes_per_second)' },
);

/** What a job did so far: items (records, blobs) and bytes; `total` once known. */
export const JobProgressSchema = Type.Object({ done: Count(), total: Nullable(Count()), bytes: Count() });

/** Why a job failed. */
export const JobErrorSchema = Type.Object({ code: Type.String(), message: Type.String() });

/** A maintenance job. */
export const JobSchema = Type.Object(
  {
    id: Type.String(),
    type: JobTypeSchema,
    state: JobStateSchema,
    dry_run: Type.Boolean(),
    options: Type.Record(Type.String(), Type.Unknown(), { description: 'The options of its type, as the job took them' }),
    progress: JobProgressSchema,
    result: Nullable(Type.Record(Type.String(), Type.Unknown(), { description: "What the job did (its type's shape)" })),
    error: Nullable(JobErrorSchema),
    created_at: TimeSchema,
    started_at: Nullable(TimeSchema),
    ended_at: Nullable(TimeSchema),
    cancel_requested: Type.Boolean({ description: 'A cancel was asked for: the job stops at its next safe point' }),
  },
  { title: 'Job' },
);

/** The query of `GET /api/v1/jobs`. */
export const ListJobsQuerySchema = Type.Object({
  type: Type.Optional(JobTypeSchema),
  state: Type.Optional(JobStateSchema),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.listLimitMax, default: LIMITS.listLimitDefault })),
  cursor: Type.Optional(Text(512, { description: 'next_cursor of the previous page' })),
});

/** A page of jobs, newest first. */
export const JobPageSchema = PageSchema(JobSchema);

/** A route parameter `{id}` of a job. */
export const JobIdParamsSchema = Type.Object({ id: Text(256) });
