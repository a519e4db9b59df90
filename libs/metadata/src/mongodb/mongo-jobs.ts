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
 * not every compatible server has). After its insert, a job's document is written only by the holder of its lease
 * (see {@link MongoJobs}).
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
  active_type: string;
}

/**
 * One lease of a job (collection `job_leases`), `_id` = `<job id>:<generation>`. Taking a job is inserting its next
 * generation: the unique `_id` lets one of many concurrent takers win. The latest generation is the lease; one whose
 * `owner` is null was given back. Only its owner writes to a lease after its insert (to renew it).
 */
export interface JobLeaseDoc {
  _id: string;
  job: string;
  gen: number;
  owner: string | null;
  expires_at: Date | null;
}

/** A request to cancel a job (collection `job_cancels`, `_id` = the job's id): only inserted. */
export interface JobCancelDoc {
  _id: string;
  at: Date;
}

/** Attempts at an insert that met an active job which ended before it could be named, or at a claim lost to another instance. */
const MAX_ATTEMPTS = 20;
/** Owners of the leases taken only to cancel a queued job. */
const CANCELLER = 'cancel:';

function updateSet(update: JobUpdate = {}): Partial<JobDoc> {
  const set: Partial<JobDoc> = {};
  if (update.progress) set.progress = { done: update.progress.done, total: update.progress.total, bytes: update.progress.bytes };
  if ('checkpoint' in update) set.checkpoint = toJsonText(update.checkpoint);
  return set;
}

/** Whether a lease lets another owner take its job at `now`: given back, or run out because its holder died. */
function isFree(lease: JobLeaseDoc | null, now: Date): boolean {
  return lease === null || lease.owner === null || lease.expires_at === null || lease.expires_at < now;
}

/**
 * The job store on MongoDB, without multi-document transactions and without conditional updates as arbiters:
 * FerretDB executes an update by reading the document and writing it back whole, so two concurrent updates of one
 * document can both "succeed" and one of them is lost. Every decision between concurrent parties is therefore an
 * insert with a unique `_id`, and every document is written by one party at a time:
 * - the unique index on `jobs.active_type` lets one active job of a type be queued;
 * - taking a job (a claim, a takeover of a dead holder's job, or a cancel of a queued one) inserts the next
 *   generation of its lease: one taker wins; the job's document is then written by that lease's owner only;
 * - a cancel request is a document of its own, so no write of the holder can lose it.
 */
export class MongoJobs {
  constructor(
    private readonly jobs: Collection<JobDoc>,
    private readonly leases: Collection<JobLeaseDoc>,
    private readonly cancels: Collection<JobCancelDoc>,
  ) {}

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
        active_type: job.type,
      };
      try {
        await this.jobs.insertOne(doc);
        return this.toRecord(doc, null, false);
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
    return doc ? this.read(doc) : null;
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
    const page = more ? docs.slice(0, query.limit) : docs;
    const ids = page.map((d) => d._id.toHexString());
    const latest = new Map<string, JobLeaseDoc>();
    for (const lease of await this.leases.find({ job: { $in: ids } }).toArray()) {
      if ((latest.get(lease.job)?.gen ?? 0) < lease.gen) latest.set(lease.job, lease);
    }
    const cancelled = new Set((await this.cancels.find({ _id: { $in: ids } }).toArray()).map((c) => c._id));
    const items = page.map((doc) => this.toRecord(doc, latest.get(doc._id.toHexString()) ?? null, cancelled.has(doc._id.toHexString())));
    return { items, nextCursor: more ? encodeCursor(items[items.length - 1].id) : null };
  }

  /**
   * Takes the oldest active job of the types whose lease is free (none yet, given back, or run out), by inserting
   * the lease's next generation; of several instances claiming at once, one inserts it and the others look again.
   * At most one job of a type is active, so the candidates are few.
   */
  async claim(claim: JobClaim): Promise<JobRecord | null> {
    if (claim.types.length === 0) return null;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const candidates = await this.jobs
        .find({ type: { $in: [...claim.types] }, state: { $in: ['queued', 'running'] } })
        .sort({ _id: 1 })
        .toArray();
      let lost = false;
      for (const doc of candidates) {
        const lease = await this.latestLease(doc._id.toHexString());
        if (!isFree(lease, claim.now)) continue;
        const taken = await this.take(doc, lease, claim.owner, new Date(claim.now.getTime() + claim.leaseMs));
        if (!taken) {
          lost = true;
          break;
        }
        const set: Partial<JobDoc> = { state: 'running', started_at: doc.started_at ?? claim.now };
        await this.jobs.updateOne({ _id: doc._id }, { $set: set });
        return this.read({ ...doc, ...set });
      }
      if (!lost) return null;
    }
    return null;
  }

  async renew(id: string, owner: string, now: Date, leaseMs: number): Promise<JobRecord | null> {
    const held = await this.held(id, owner);
    if (!held) return null;
    await this.leases.updateOne({ _id: held.lease._id }, { $set: { expires_at: new Date(now.getTime() + leaseMs) } });
    // Taken over between the check and the renewal: the renewal went to a lease that is no longer the latest.
    return (await this.held(id, owner)) ? this.read(held.doc) : null;
  }

  async update(id: string, owner: string, update: JobUpdate): Promise<boolean> {
    const held = await this.held(id, owner);
    if (!held) return false;
    const set = updateSet(update);
    if (Object.keys(set).length > 0) await this.jobs.updateOne({ _id: held.doc._id }, { $set: set });
    return true;
  }

  async finish(id: string, owner: string, end: JobEnd, update?: JobUpdate): Promise<boolean> {
    const held = await this.held(id, owner);
    if (!held) return false;
    await this.end(held.doc._id, end.state, end.now, {
      ...updateSet(update),
      result: toJsonText(end.result),
      error: failureOf(end.error),
    });
    await this.giveBack(held.lease);
    return true;
  }

  /** The job is queued again while its lease is still held (so that nobody takes it half written), then the lease goes. */
  async release(id: string, owner: string, update?: JobUpdate): Promise<boolean> {
    const held = await this.held(id, owner);
    if (!held) return false;
    await this.jobs.updateOne({ _id: held.doc._id }, { $set: { ...updateSet(update), state: 'queued' } });
    await this.giveBack(held.lease);
    return true;
  }

  /**
   * Records the request first, then: a job that had ended is left as it was; a queued one whose lease this call
   * takes is cancelled at once; any other is running (or being claimed), and its holder sees the request when it
   * renews its lease.
   */
  async cancel(id: string, now: Date): Promise<{ job: JobRecord; wasFinal: boolean } | null> {
    const _id = parseObjectId(id);
    if (!_id) return null;
    const before = await this.jobs.findOne({ _id });
    if (!before) return null;
    if (FINAL_JOB_STATES.includes(before.state)) return { job: await this.read(before), wasFinal: true };
    try {
      await this.cancels.insertOne({ _id: id, at: now });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const doc = await this.jobs.findOne({ _id });
      if (!doc) return null;
      if (doc.state !== 'queued') return { job: await this.read(doc), wasFinal: false };
      const lease = await this.latestLease(id);
      if (!isFree(lease, now)) return { job: await this.read(doc), wasFinal: false };
      const taken = await this.take(doc, lease, `${CANCELLER}${new ObjectId().toHexString()}`, new Date(now.getTime() + 60_000));
      if (taken) {
        await this.end(_id, 'cancelled', now, {});
        await this.giveBack(taken);
        return { job: (await this.get(id))!, wasFinal: false };
      }
    }
    return { job: (await this.get(id))!, wasFinal: false };
  }

  /** Inserts the lease generation after `lease` for `owner`: null when another taker inserted it first. */
  private async take(doc: JobDoc, lease: JobLeaseDoc | null, owner: string, expires: Date): Promise<JobLeaseDoc | null> {
    const job = doc._id.toHexString();
    const gen = (lease?.gen ?? 0) + 1;
    const next: JobLeaseDoc = { _id: `${job}:${gen}`, job, gen, owner, expires_at: expires };
    try {
      await this.leases.insertOne(next);
      return next;
    } catch (error) {
      if (isDuplicateKey(error)) return null;
      throw error;
    }
  }

  /** Gives a lease back by inserting the next generation, ownerless; a lease taken over in between is left to its taker. */
  private async giveBack(lease: JobLeaseDoc): Promise<void> {
    const gen = lease.gen + 1;
    try {
      await this.leases.insertOne({ _id: `${lease.job}:${gen}`, job: lease.job, gen, owner: null, expires_at: null });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }

  private async end(_id: ObjectId, state: JobState, now: Date, set: Partial<JobDoc>): Promise<void> {
    await this.jobs.updateOne({ _id }, { $set: { ...set, state, ended_at: now, active_type: _id.toHexString() } });
  }

  /** The running job `owner` holds the latest lease of, with that lease; null when it does not hold it. */
  private async held(id: string, owner: string): Promise<{ doc: JobDoc; lease: JobLeaseDoc } | null> {
    const _id = parseObjectId(id);
    if (!_id) return null;
    const [doc, lease] = await Promise.all([this.jobs.findOne({ _id }), this.latestLease(id)]);
    if (!doc || doc.state !== 'running' || !lease || lease.owner !== owner) return null;
    return { doc, lease };
  }

  private async latestLease(job: string): Promise<JobLeaseDoc | null> {
    return this.leases.find({ job }).sort({ gen: -1 }).limit(1).next();
  }

  private async read(doc: JobDoc): Promise<JobRecord> {
    const id = doc._id.toHexString();
    const [lease, cancel] = await Promise.all([this.latestLease(id), this.cancels.findOne({ _id: id })]);
    return this.toRecord(doc, lease, cancel !== null);
  }

  private toRecord(doc: JobDoc, lease: JobLeaseDoc | null, cancelRequested: boolean): JobRecord {
    const active = doc.state === 'queued' || doc.state === 'running';
    const holder = active && lease?.owner && !lease.owner.startsWith(CANCELLER) ? lease : null;
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
      cancel_requested: cancelRequested,
      lease: holder ? { owner: holder.owner!, expires_at: holder.expires_at! } : null,
    };
  }
}
