import { type Collection, type Filter, ObjectId } from 'mongodb';
import type { FilePage, FileQuery } from '../metadata-types';
import { decodeCursor, encodeCursor } from '../shared/page-cursor';
import { type FileDoc, namespaceFilter, toStoredFile } from './mongo-documents';
import { LIVE, OBJECT_ID, pathPrefixFilter } from './mongo-queries';

/** Candidates read at a time when listing the versions current at a time. */
const AT_BATCH = 500;

/**
 * `listFiles` for MongoDB: current versions by id, or the versions current at a time. The latter reads the versions
 * first seen by then in id order and keeps each that no later version of its path (first seen by then) replaced, so
 * it needs no aggregation stage that a compatible server might lack.
 */
export async function listMongoFiles(files: Collection<FileDoc>, query: FileQuery): Promise<FilePage> {
  const namespace = query.namespace ?? 'host';
  const parts: Filter<FileDoc>[] = [namespaceFilter(namespace)];
  if (query.hostname !== undefined) parts.push({ hostname: query.hostname });
  if (query.hostnames !== undefined) parts.push({ hostname: { $in: [...query.hostnames] } });
  if (query.pathPrefix) parts.push(pathPrefixFilter(query.pathPrefix, namespace));
  // An object past its lifetime is gone as a deleted one is, before any sweep has marked it.
  if (query.now !== undefined && !query.includeDeleted) parts.push({ $or: [{ expires_at: null }, { expires_at: { $gt: query.now } }] });
  if (query.sha256 !== undefined) parts.push({ sha256: query.sha256 });
  const after = query.cursor === undefined ? null : new ObjectId(decodeCursor(query.cursor, (id) => OBJECT_ID.test(id)));
  if (query.at === undefined) {
    parts.push(query.includeDeleted ? { is_current: true } : { ...LIVE });
    const docs = await files
      .find(filterOf(parts, after))
      .sort({ _id: 1 })
      .limit(query.limit + 1)
      .toArray();
    return page(docs, query.limit);
  }
  const at = query.at;
  parts.push({ first_seen_at: { $lte: at } });
  if (!query.includeDeleted) parts.push({ $or: [{ deleted_at: null }, { deleted_at: { $gt: at } }] });
  const kept: FileDoc[] = [];
  let from = after;
  while (kept.length <= query.limit) {
    const batch = await files.find(filterOf(parts, from)).sort({ _id: 1 }).limit(AT_BATCH).toArray();
    const latest = await latestVersions(files, batch, at, namespaceFilter(namespace));
    for (const doc of batch) if (latest.get(pathKey(doc)) === doc.version) kept.push(doc);
    if (batch.length < AT_BATCH) break;
    from = batch[batch.length - 1]._id;
  }
  return page(kept, query.limit);
}

function filterOf(parts: Filter<FileDoc>[], after: ObjectId | null): Filter<FileDoc> {
  const all = after === null ? parts : [...parts, { _id: { $gt: after } }];
  return all.length === 1 ? all[0] : { $and: all };
}

function page(docs: FileDoc[], limit: number): FilePage {
  const more = docs.length > limit;
  const items = (more ? docs.slice(0, limit) : docs).map(toStoredFile);
  return { items, nextCursor: more ? encodeCursor(items[items.length - 1].id) : null };
}

const pathKey = (doc: Pick<FileDoc, 'hostname' | 'filepath'>) => `${doc.hostname}\u0000${doc.filepath}`;

/** The highest version first seen by `at` of each path of `docs` (all of one namespace), one query per hostname. */
async function latestVersions(
  files: Collection<FileDoc>,
  docs: FileDoc[],
  at: Date,
  namespace: Filter<FileDoc>,
): Promise<Map<string, number>> {
  const byHost = new Map<string, Set<string>>();
  for (const doc of docs) byHost.set(doc.hostname, (byHost.get(doc.hostname) ?? new Set()).add(doc.filepath));
  const latest = new Map<string, number>();
  for (const [hostname, paths] of byHost) {
    const filter = { ...namespace, hostname, filepath: { $in: [...paths] }, first_seen_at: { $lte: at } };
    const versions = await files.find(filter, { projection: { hostname: 1, filepath: 1, version: 1 } }).toArray();
    for (const v of versions) latest.set(pathKey(v), Math.max(latest.get(pathKey(v)) ?? 0, v.version));
  }
  return latest;
}
