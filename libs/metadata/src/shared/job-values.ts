import { HoardError } from '@app/contracts';
import type { JobCounts, JobFailure, JobState } from '../job-store';

/**
 * How both adapters store a job's free-form values (options, result, checkpoint): as JSON text, so that whatever a
 * handler saves comes back exactly as it was, whatever its keys (MongoDB refuses some field names).
 */
export function toJsonText(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

export function fromJsonText<T>(text: string | null | undefined): T | null {
  return text === null || text === undefined ? null : (JSON.parse(text) as T);
}

/** A job's counts before it reports any. */
export const NO_PROGRESS: JobCounts = { done: 0, total: null, bytes: 0 };

/** A failure as stored: only its code and message. */
export function failureOf(error: JobFailure | null | undefined): JobFailure | null {
  return error ? { code: error.code, message: error.message } : null;
}

/** The active states: at most one job of a type is in one of them. */
export const ACTIVE_JOB_STATES: readonly JobState[] = ['queued', 'running'];

/** The error of a second active job of a type. */
export function activeJobConflict(type: string, activeId: string): HoardError {
  return new HoardError('conflict', `A ${type} job is already queued or running`, { details: { job_id: activeId } });
}
