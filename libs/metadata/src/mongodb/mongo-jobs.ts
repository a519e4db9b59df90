import { type Collection, type Filter, ObjectId } from 'mongodb';
import { HoardError } from '@app/contracts';
import type { JobClaim, JobCounts, JobEnd, JobPage, JobQuery, JobRecord, JobState, JobUpdate, NewJob } from '../job-store';
import { FINAL_JOB_STATES } from '../job-store';
import { activeJobConflict, failureOf, fromJsonText, NO_PROGRESS, toJsonText } from '../shared/job-values';
import { decodeCursor, encodeCursor } from '../shared/page-cursor';
import { isDuplicateKey } from './mongo-errors';
import { OBJECT_ID, parseObjectId } from './mongo-queries';

/**
 * A job in the `jobs` collection. `active_type` is the job's type while it is queued or running and its own id once
 * it ended: a plain unique index on it lets one active job of a type exist, with no partial or sparse index (which
 * not every compatible server has).
 */
export interface JobDoc {
  _id: ObjectId;
  type: string;
  state: JobState;
  dry_run: boolean;
  /** JSON text, as `result` and `checkpoint`. */
  options: string;
  progress: JobCounts;
  result: string | null;
  error: { code: string; message: string } | null;
  checkpoint: string | null;
  created_at: Date;
  started_at: Date | null;
  ended_at: Date | null;
  cancel_requested: boolean;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  active_type: string;
}

/** Attempts at an insert that met an active job which ended before it could be named, or at a claim lost to another instance. */
const MAX_ATTEMPTS = 20;

function toJobRecord(doc: JobDoc): JobRecord {
  return {
    id: doc._id.toHexString(),
    type: doc.type,
    state: doc.state,
    dry_run: doc.dry_run,
    options: fromJsonText(doc.options) ?? {},
    progress: { ...NO_PROGRESS, ...doc.progress },
    result: fromJsonText(doc.result),
    error: doc.error ?? null,
    checkpoint: fromJsonText(doc.checkpoint),
    created_at: doc.created_at,
    started_at: doc.started_at ?? null,
    ended_at: doc.ended_at ?? null,
    cancel_requested: doc.cancel_requested === true,
    lease: doc.lease_owner ? { owner: doc.lease_owner, expires_at: doc.lease_expires_at! } : null,
  };
}

function updateSet(update: JobUpdate = {}): Partial<JobDoc> {
  const set: Partial<JobDoc> = {};
  if (update.progress) set.progress = { done: update.progress.done, total: update.progress.total, bytes: update.progress.bytes };
  if ('checkpoint' in update) set.checkpoint = toJsonText(update.checkpoint);
  return set;
}

const held = (_id: ObjectId, owner: string): Filter<JobDoc> => ({ _id, lease_owner: owner, state: 'running' });

/**
 * The job store on MongoDB, without multi-document transactions: each write is one document's update, made
 * conditional on what it checked (state, lease owner), so two instances never both succeed at the same change.
 * The unique index on `active_type` is the arbiter of "one active job of a type".
 */
export class MongoJobs {
  constructor(private readonly jobs: Collection<JobDoc>) {}

  async create(job: NewJob, now: Date): Promise<JobRecord> {
    for (let attempt = 1; ; attempt++) {
      const doc: JobDoc = {
        _id: new ObjectId(),
        type: job.type,
        state: 'queued',
        dry_run: job.dry_run,
        options: toJsonText(job.options) ?? '{}',
        progress: { ...NO_PROGRESS },
        result: null,
        error: null,
        checkpoint: null,
        created_at: now,
        started_at: null,
        ended_at: null,
        cancel_requested: false,
        lease_owner: null,
        lease_expires_at: null,
        active_type: job.type,
      };
      try {
        await this.jobs.insertOne(doc);
        return toJobRecord(doc);
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      const active = await this.jobs.findOne({ active_type: job.type });
      if (active) throw activeJobConflict(job.type, active._id.toHexString());
      // The active job ended between the refused insert and the look-up: try again.
      if (attempt >= MAX_ATTEMPTS) throw new HoardError('unavailable', `${job.type} jobs keep starting and ending: try again`);
    }
  }

  async get(id: string): Promise<JobRecord | null> {
    const _id = parseObjectId(id);
    const doc = _id ? await this.jobs.findOne({ _id }) : null;
    return doc ? toJobRecord(doc) : null;
  }

  async list(query: JobQuery): Promise<JobPage> {
    const filter: Filter<JobDoc> = {};
    if (query.cursor !== undefined) filter._id = { $lt: new ObjectId(decodeCursor(query.cursor, (id) => OBJECT_ID.test(id))) };
    if (query.type !== undefined) filter.type = query.type;
    if (query.state !== undefined) filter.state = query.state;
    const docs = await this.jobs
      .find(filter)
      .sort({ _id: -1 })
      .limit(query.limit + 1)
      .toArray();
    const more = docs.length > query.limit;
    const items = (more ? docs.slice(0, query.limit) : docs).map(toJobRecord);
    return { items, nextCursor: more ? encodeCursor(items[items.length - 1].id) : null };
  }

  /**
   * Reads the oldest claimable job, then takes it with an update conditional on what was read (still queued, or
   * still running with the same expired lease): of two instances claiming at once, one wins and the other looks again.
   */
  async claim(claim: JobClaim): Promise<JobRecord | null> {
    if (claim.types.length === 0) return null;
    const claimable: Filter<JobDoc> = {
      type: { $in: [...claim.types] },
      $or: [{ state: 'queued' }, { state: 'running', lease_expires_at: { $lt: claim.now } }],
    };
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const found = await this.jobs.find(claimable).sort({ _id: 1 }).limit(1).next();
      if (!found) return null;
      const taken = await this.jobs.findOneAndUpdate(
        { _id: found._id, state: found.state, lease_owner: found.lease_owner, lease_expires_at: found.lease_expires_at },
        {
          $set: {
            state: 'running',
            lease_owner: claim.owner,
            lease_expires_at: new Date(claim.now.getTime() + claim.leaseMs),
            started_at: found.started_at ?? claim.now,
          },
        },
        { returnDocument: 'after' },
      );
      if (taken) return toJobRecord(taken);
    }
    return null;
  }

  async renew(id: string, owner: string, now: Date, leaseMs: number): Promise<JobRecord | null> {
    const _id = parseObjectId(id);
    if (!_id) return null;
    const expires = new Date(now.getTime() + leaseMs);
    const doc = await this.jobs.findOneAndUpdate(held(_id, owner), { $set: { lease_expires_at: expires } }, { returnDocument: 'after' });
    return doc ? toJobRecord(doc) : null;
  }

  async update(id: string, owner: string, update: JobUpdate): Promise<boolean> {
    const _id = parseObjectId(id);
    const set = updateSet(update);
    if (!_id) return false;
    if (Object.keys(set).length === 0) return (await this.jobs.countDocuments(held(_id, owner), { limit: 1 })) > 0;
    return (await this.jobs.updateOne(held(_id, owner), { $set: set })).matchedCount > 0;
  }

  async finish(id: string, owner: string, end: JobEnd, update?: JobUpdate): Promise<boolean> {
    const _id = parseObjectId(id);
    if (!_id) return false;
    const set: Partial<JobDoc> = {
      ...updateSet(update),
      state: end.state,
      result: toJsonText(end.result),
      error: failureOf(end.error),
      ended_at: end.now,
      lease_owner: null,
      lease_expires_at: null,
      active_type: _id.toHexString(),
    };
    return (await this.jobs.updateOne(held(_id, owner), { $set: set })).matchedCount > 0;
  }

  async release(id: string, owner: string, update?: JobUpdate): Promise<boolean> {
    const _id = parseObjectId(id);
    if (!_id) return false;
    const set: Partial<JobDoc> = { ...updateSet(update), state: 'queued', lease_owner: null, lease_expires_at: null };
    return (await this.jobs.updateOne(held(_id, owner), { $set: set })).matchedCount > 0;
  }

  /** Each step is conditional on the state it read; a job that changed state in between is read again. */
  async cancel(id: string, now: Date): Promise<{ job: JobRecord; wasFinal: boolean } | null> {
    const _id = parseObjectId(id);
    if (!_id) return null;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const doc = await this.jobs.findOne({ _id });
      if (!doc) return null;
      if (FINAL_JOB_STATES.includes(doc.state)) return { job: toJobRecord(doc), wasFinal: true };
      const set: Partial<JobDoc> =
        doc.state === 'queued'
          ? { state: 'cancelled', cancel_requested: true, ended_at: now, active_type: _id.toHexString() }
          : { cancel_requested: true };
      const changed = await this.jobs.findOneAndUpdate({ _id, state: doc.state }, { $set: set }, { returnDocument: 'after' });
      if (changed) return { job: toJobRecord(changed), wasFinal: false };
    }
    const doc = await this.jobs.findOne({ _id });
    return doc ? { job: toJobRecord(doc), wasFinal: FINAL_JOB_STATES.includes(doc.state) } : null;
  }
}
