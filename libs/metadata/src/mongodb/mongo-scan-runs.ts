import { type Collection, type Filter, ObjectId } from 'mongodb';
import { HoardError } from '@app/contracts';
import type { FileDoc } from './mongo-documents';
import type { HostRecord, NewScanRun, ScanRunPage, ScanRunQuery, ScanRunRecord, ScanRunState, ScanRunUpdate } from '../scan-run-store';
import { INTERRUPTED, NO_SCAN_COUNTS } from '../scan-run-store';
import { decodeCursor, encodeCursor } from '../shared/page-cursor';
import { keptFailures } from '../shared/scan-run-values';
import { LIVE, OBJECT_ID, parseObjectId } from './mongo-queries';

/** The live current files of hosts (objects, in buckets, are not a host's). */
const HOST_LIVE = { namespace: 'host', ...LIVE };

/** A run in the `scan_runs` collection. `revision` grows with every report: a report is written only over the one it read. */
export interface ScanRunDoc extends Omit<ScanRunRecord, 'id'> {
  _id: ObjectId;
  revision: number;
}

/** Reports on one run racing each other: each reads again after losing. */
const MAX_ATTEMPTS = 20;

function toScanRun(doc: ScanRunDoc): ScanRunRecord {
  return {
    id: doc._id.toHexString(),
    hostname: doc.hostname,
    roots: doc.roots,
    client: { name: doc.client.name, version: doc.client.version },
    key_id: doc.key_id,
    state: doc.state,
    counts: { ...NO_SCAN_COUNTS, ...doc.counts },
    failures: doc.failures ?? [],
    failures_total: doc.failures_total ?? 0,
    reason: doc.reason ?? null,
    started_at: doc.started_at,
    updated_at: doc.updated_at,
    ended_at: doc.ended_at ?? null,
  };
}

/**
 * The scan runs on MongoDB, without transactions: a report reads the run and writes it conditional on the run still
 * running at the revision it read, so concurrent reports and the silence sweep never overwrite one another.
 */
export class MongoScanRuns {
  constructor(
    private readonly runs: Collection<ScanRunDoc>,
    private readonly files: Collection<FileDoc>,
  ) {}

  async create(run: NewScanRun, now: Date): Promise<ScanRunRecord> {
    const doc: ScanRunDoc = {
      _id: new ObjectId(),
      hostname: run.hostname,
      roots: [...run.roots],
      client: { name: run.client.name, version: run.client.version },
      key_id: run.key_id,
      state: 'running',
      counts: { ...NO_SCAN_COUNTS },
      failures: [],
      failures_total: 0,
      reason: null,
      started_at: now,
      updated_at: now,
      ended_at: null,
      revision: 0,
    };
    await this.runs.insertOne(doc);
    return toScanRun(doc);
  }

  async get(id: string): Promise<ScanRunRecord | null> {
    const _id = parseObjectId(id);
    const doc = _id ? await this.runs.findOne({ _id }) : null;
    return doc ? toScanRun(doc) : null;
  }

  async list(query: ScanRunQuery): Promise<ScanRunPage> {
    const filter: Filter<ScanRunDoc> = {};
    if (query.cursor !== undefined) filter._id = { $lt: new ObjectId(decodeCursor(query.cursor, (id) => OBJECT_ID.test(id))) };
    if (query.hostnames !== undefined) {
      // Both filters hold: the one hostname if it is among them, else none.
      const hostnames = query.hostname === undefined ? [...query.hostnames] : query.hostnames.filter((h) => h === query.hostname);
      filter.hostname = { $in: hostnames };
    } else if (query.hostname !== undefined) filter.hostname = query.hostname;
    if (query.state !== undefined) filter.state = query.state;
    const docs = await this.runs
      .find(filter)
      .sort({ _id: -1 })
      .limit(query.limit + 1)
      .toArray();
    const more = docs.length > query.limit;
    const items = (more ? docs.slice(0, query.limit) : docs).map(toScanRun);
    return { items, nextCursor: more ? encodeCursor(items[items.length - 1].id) : null };
  }

  async update(id: string, update: ScanRunUpdate, now: Date): Promise<ScanRunRecord | null> {
    const _id = parseObjectId(id);
    if (!_id) return null;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const doc = await this.runs.findOne({ _id });
      if (!doc || doc.state !== 'running') return null;
      const set: Partial<ScanRunDoc> = {
        counts: update.counts ? { ...update.counts } : doc.counts,
        failures: keptFailures(doc.failures ?? [], update.failures),
        failures_total: (doc.failures_total ?? 0) + (update.failures?.length ?? 0),
        updated_at: now,
        revision: doc.revision + 1,
        ...(update.state ? { state: update.state, ended_at: now } : {}),
      };
      const written = await this.runs.findOneAndUpdate(
        { _id, state: 'running', revision: doc.revision },
        { $set: set },
        { returnDocument: 'after' },
      );
      if (written) return toScanRun(written);
    }
    throw new HoardError('unavailable', `scan run ${id} keeps changing under its reports: try again`);
  }

  async interrupt(silentSince: Date, now: Date): Promise<number> {
    const result = await this.runs.updateMany(
      { state: 'running', updated_at: { $lt: silentSince } },
      { $set: { state: 'failed', reason: INTERRUPTED, ended_at: now }, $inc: { revision: 1 } },
    );
    return result.modifiedCount;
  }

  /** Two groupings of the files (FerretDB v1 computes one accumulator per `$group`), then each host's runs by index. */
  async hosts(): Promise<HostRecord[]> {
    const hosts = new Map<string, HostRecord>();
    const host = (hostname: string) => {
      let found = hosts.get(hostname);
      if (!found) {
        found = { hostname, files: 0, logical_bytes: 0, last_scan: null, last_success_at: null };
        hosts.set(hostname, found);
      }
      return found;
    };
    const counts = await this.files
      .aggregate<{ _id: string; n: number }>([{ $match: HOST_LIVE }, { $group: { _id: '$hostname', n: { $sum: 1 } } }])
      .toArray();
    for (const row of counts) host(row._id).files = Number(row.n);
    const sizes = await this.files
      .aggregate<{ _id: string; n: number }>([{ $match: HOST_LIVE }, { $group: { _id: '$hostname', n: { $sum: '$size' } } }])
      .toArray();
    for (const row of sizes) host(row._id).logical_bytes = Number(row.n);
    for (const hostname of await this.runs.distinct('hostname')) {
      const last = await this.runs.find({ hostname }).sort({ _id: -1 }).limit(1).next();
      const success = await this.runs.find({ hostname, state: 'succeeded' }).sort({ ended_at: -1 }).limit(1).next();
      const found = host(hostname);
      found.last_scan = last ? toScanRun(last) : null;
      found.last_success_at = success?.ended_at ?? null;
    }
    return [...hosts.values()].sort((a, b) => (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0));
  }

  async countByState(): Promise<Partial<Record<ScanRunState, number>>> {
    const counts: Partial<Record<ScanRunState, number>> = {};
    for (const state of ['running', 'succeeded', 'failed', 'cancelled'] as const) {
      const n = await this.runs.countDocuments({ state });
      if (n > 0) counts[state] = n;
    }
    return counts;
  }
}
