import { type AnyBulkWriteOperation, type Collection, MongoBulkWriteError, ObjectId } from 'mongodb';
import type { FileToRecord, RecordedFile } from '../metadata-types';
import { fileKindOf, statFieldsOf } from '../shared/stat-fields';
import { isDuplicateKey } from './mongo-errors';
import { type FileDoc, namespaceFilter, objectDocFields, toStoredFile } from './mongo-documents';

/** How often one record re-reads and retries after losing a race for the next version number. */
const MAX_ATTEMPTS = 20;

interface Planned {
  index: number;
  result: RecordedFile;
  op: AnyBulkWriteOperation<FileDoc>;
  /** The version a new one supersedes: it stops being current once the new one is stored. */
  supersedes?: ObjectId;
}

interface Current {
  latest: FileDoc;
  /** Lower versions still flagged current (an interrupted earlier write): retired with this batch. */
  stale: ObjectId[];
}

/**
 * Update statements sent in one command. FerretDB v1 keeps a database connection per statement until the command
 * ends and stalls past about 100; MongoDB is indifferent.
 */
const UPDATES_PER_COMMAND = 50;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const pathKey = (f: Pick<FileToRecord, 'namespace' | 'hostname' | 'filepath'>) =>
  `${f.namespace ?? 'host'}\u0000${f.hostname}\u0000${f.filepath}`;
const docPathKey = (doc: FileDoc) => pathKey({ namespace: doc.namespace, hostname: doc.hostname, filepath: doc.filepath });

/**
 * `recordFiles` for MongoDB without multi-document transactions. The unique index on
 * (hostname, filepath, version) is the arbiter: a new version is inserted as `current version + 1`, and whoever
 * loses that race re-reads the path and decides again. The previous version stops being current only after the
 * new one exists, so a path never lacks a current version; the highest version of a path is its current one. A
 * write interrupted between the two steps leaves two versions flagged current until the path is next recorded.
 */
export class MongoFileRecorder {
  constructor(private readonly files: Collection<FileDoc>) {}

  async record(input: FileToRecord[], now: Date): Promise<RecordedFile[]> {
    const results: RecordedFile[] = new Array(input.length);
    // Ids are drawn in request order up front, so new versions sort by id as they were sent, retries included.
    const ids = input.map(() => new ObjectId());
    const counts = new Map<string, number>();
    for (const f of input) counts.set(pathKey(f), (counts.get(pathKey(f)) ?? 0) + 1);

    // Paths seen once go through one bulk read and one unordered bulk write; the rest, in order, one by one.
    const once = input.map((f, index) => ({ f, index })).filter(({ f }) => counts.get(pathKey(f)) === 1);
    const current = await this.currentOf(once.map(({ f }) => f));
    const planned = once.map(({ f, index }) => this.plan(f, ids[index], index, current.get(pathKey(f))?.latest, now));
    const lost = await this.apply(planned);
    for (const p of planned) if (!lost.has(p.index)) results[p.index] = p.result;
    const superseded = planned.filter((p) => !lost.has(p.index) && p.supersedes).map((p) => p.supersedes!);
    await this.retire([...superseded, ...[...current.values()].flatMap((c) => c.stale)]);

    for (let index = 0; index < input.length; index++) {
      if (results[index] === undefined) results[index] = await this.recordOne(input[index], ids[index], now);
    }
    return results;
  }

  /** One record, re-reading and retrying until its write wins or is an update. */
  private async recordOne(f: FileToRecord, id: ObjectId, now: Date): Promise<RecordedFile> {
    for (let attempt = 1; ; attempt++) {
      const filter = { ...namespaceFilter(f.namespace ?? 'host'), hostname: f.hostname, filepath: f.filepath };
      const latest = await this.files.findOne(filter, { sort: { version: -1 } });
      const p = this.plan(f, id, 0, latest ?? undefined, now);
      try {
        await this.files.bulkWrite([p.op], { ordered: true });
      } catch (error) {
        if (isDuplicateKey(error) && attempt < MAX_ATTEMPTS) continue;
        throw error;
      }
      if (p.supersedes) await this.retire([p.supersedes]);
      return p.result;
    }
  }

  private plan(f: FileToRecord, id: ObjectId, index: number, cur: FileDoc | undefined, now: Date): Planned {
    const { sha256 } = f;
    const stat = statFieldsOf(f);
    const kind = fileKindOf(f);
    const namespace = f.namespace ?? 'host';
    // An object always makes a new version: each write of it has its own lifetime and metadata.
    const same = namespace === 'host' && cur && (cur.type ?? 'file') === kind.type && (cur.link_target ?? null) === kind.link_target;
    if (cur && same && cur.deleted_at === null && cur.sha256 === sha256) {
      const set = { ...stat, last_seen_at: now };
      const op = { updateOne: { filter: { _id: cur._id }, update: { $set: set } } };
      return { index, op, result: { status: 'unchanged', file: toStoredFile({ ...cur, ...set }) } };
    }
    const doc: FileDoc = {
      _id: id,
      hostname: f.hostname,
      filepath: f.filepath,
      version: cur ? cur.version + 1 : 1,
      sha256,
      ...stat,
      first_seen_at: now,
      last_seen_at: now,
      deleted_at: null,
      is_current: true,
      ...kind,
      namespace,
      ...objectDocFields(namespace, f.object),
    };
    const result: RecordedFile = { status: 'created', file: toStoredFile(doc) };
    return { index, op: { insertOne: { document: doc } }, supersedes: cur?._id, result };
  }

  /** The current version of each path, read in one query per hostname (and namespace). */
  private async currentOf(files: FileToRecord[]): Promise<Map<string, Current>> {
    const byHost = new Map<string, { f: FileToRecord; paths: string[] }>();
    for (const f of files) {
      const owner = `${f.namespace ?? 'host'}\u0000${f.hostname}`;
      const entry = byHost.get(owner) ?? { f, paths: [] };
      entry.paths.push(f.filepath);
      byHost.set(owner, entry);
    }
    const found = new Map<string, Current>();
    for (const { f, paths } of byHost.values()) {
      const filter = { ...namespaceFilter(f.namespace ?? 'host'), hostname: f.hostname, filepath: { $in: paths }, is_current: true };
      const docs = await this.files.find(filter).toArray();
      for (const doc of docs.sort((a, b) => b.version - a.version)) {
        const key = docPathKey(doc);
        const seen = found.get(key);
        if (seen) seen.stale.push(doc._id);
        else found.set(key, { latest: doc, stale: [] });
      }
    }
    return found;
  }

  /** Runs the planned writes unordered; returns the indexes whose insert lost a race (to be redone one by one). */
  private async apply(planned: Planned[]): Promise<Set<number>> {
    const lost = new Set<number>();
    const inserts = planned.filter((p) => 'insertOne' in p.op);
    const updates = planned.filter((p) => !('insertOne' in p.op));
    for (const group of [inserts, ...chunks(updates, UPDATES_PER_COMMAND)]) {
      if (group.length === 0) continue;
      try {
        await this.files.bulkWrite(
          group.map((p) => p.op),
          { ordered: false },
        );
      } catch (error) {
        if (!(error instanceof MongoBulkWriteError)) throw error;
        const errors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
        if (errors.length === 0 || errors.some((e) => e.code !== 11000)) throw error;
        for (const e of errors) lost.add(group[e.index].index);
      }
    }
    return lost;
  }

  /**
   * Clears `is_current` on superseded versions, by id only (a lookup every compatible server answers from its
   * primary key). Always correct: only a path's highest version is current.
   */
  private async retire(ids: ObjectId[]): Promise<void> {
    for (const group of chunks(ids, UPDATES_PER_COMMAND)) {
      await this.files.bulkWrite(
        group.map((_id) => ({ updateOne: { filter: { _id }, update: { $set: { is_current: false } } } })),
        { ordered: false },
      );
    }
  }
}
