import { type Collection, type Filter, ObjectId } from 'mongodb';
import { prefixRangeIn } from '../shared/prefix-range';
import { type FileDoc, toStoredFile } from './mongo-documents';
import type { RecordNamespace, StoredFile } from '../metadata-types';

/** A file id as the port shows it: an ObjectId in lower-case hex. */
export const OBJECT_ID = /^[0-9a-f]{24}$/;
/** Current, not deleted versions. */
export const LIVE = { is_current: true, deleted_at: null } as const;

/** The id of a file document, or null when `id` cannot be one. */
export function parseObjectId(id: string): ObjectId | null {
  return OBJECT_ID.test(id) ? new ObjectId(id) : null;
}

/** The paths a prefix covers in a namespace (see {@link prefixRangeIn}), as an index-friendly filter. */
export function pathPrefixFilter(prefix: string, namespace: RecordNamespace = 'host'): Filter<FileDoc> {
  const range = prefixRangeIn(namespace, prefix);
  const under: Filter<FileDoc> = { filepath: range.below === null ? { $gte: range.from } : { $gte: range.from, $lt: range.below } };
  return range.exact === null ? under : { $or: [{ filepath: range.exact }, under] };
}

/** Sum of `size` over the matching documents (one accumulator per `$group`: FerretDB v1 computes only the first). */
export async function sumOf<T extends { size: number }>(collection: Collection<T>, match: Filter<T>): Promise<number> {
  const [row] = await collection
    .aggregate<{ total: number }>([{ $match: match }, { $group: { _id: null, total: { $sum: '$size' } } }])
    .toArray();
  return row ? Number(row.total) : 0;
}

export function mapDoc(doc: FileDoc | null): StoredFile | null {
  return doc ? toStoredFile(doc) : null;
}
