import type { Collection, Db, Filter } from 'mongodb';
import type { PathKey, PathVersions } from '../record-pruner';
import type { RetentionRule } from '../retention-store';
import type { FileDoc } from './mongo-documents';
import { isDuplicateKey } from './mongo-errors';
import { parseObjectId } from './mongo-queries';

/** The retention rules: one document, replaced whole, so that a reader sees one list or the other. */
interface RulesDoc {
  _id: 'rules';
  rules: RetentionRule[];
}

type VersionDoc = Pick<FileDoc, '_id' | 'namespace' | 'hostname' | 'filepath' | 'version' | 'first_seen_at' | 'deleted_at'>;

const VERSION_FIELDS = { namespace: 1, hostname: 1, filepath: 1, version: 1, first_seen_at: 1, deleted_at: 1 } as const;
/** The order of the index `files_ns_path_version`, which the walk follows. */
const PATH_ORDER = { namespace: 1, hostname: 1, filepath: 1, version: 1 } as const;

/** Versions that may go: not the current version of a live path (nor a lower one an interrupted write left flagged current). */
const REMOVABLE: Filter<FileDoc> = { $or: [{ is_current: false }, { deleted_at: { $ne: null } }] };

function groupPaths(docs: VersionDoc[]): PathVersions[] {
  const paths: PathVersions[] = [];
  for (const doc of docs) {
    let last = paths[paths.length - 1];
    if (!last || last.namespace !== doc.namespace || last.hostname !== doc.hostname || last.filepath !== doc.filepath) {
      last = { namespace: doc.namespace, hostname: doc.hostname, filepath: doc.filepath, versions: [] };
      paths.push(last);
    }
    last.versions.unshift({
      id: doc._id.toHexString(),
      version: doc.version,
      first_seen_at: doc.first_seen_at,
      deleted_at: doc.deleted_at ?? null,
    });
  }
  return paths;
}

/**
 * The retention rules and the removal of versions on MongoDB, without transactions: the walk follows the index
 * `files_ns_path_version`, and each removal is filtered on what makes it allowed, so a write of another instance in
 * between leaves a live path's current version in place.
 */
export class MongoPruning {
  constructor(private readonly db: Db) {}

  async getRules(): Promise<RetentionRule[]> {
    const doc = await this.rules().findOne({ _id: 'rules' });
    return (doc?.rules ?? []).map((rule) => ({ ...rule }));
  }

  async setRules(rules: RetentionRule[]): Promise<void> {
    const replace = () => this.rules().replaceOne({ _id: 'rules' }, { rules }, { upsert: true });
    // Two first settings at once may both try the insert; the loser's retry replaces the winner's document.
    await replace().catch((error) => (isDuplicateKey(error) ? replace() : Promise.reject(error)));
  }

  countVersions(): Promise<number> {
    return this.files().countDocuments({});
  }

  async pathVersions(after: PathKey | null, limit: number): Promise<PathVersions[]> {
    const filter: Filter<FileDoc> =
      after === null
        ? {}
        : {
            $or: [
              { namespace: { $gt: after.namespace } },
              { namespace: after.namespace, hostname: { $gt: after.hostname } },
              { namespace: after.namespace, hostname: after.hostname, filepath: { $gt: after.filepath } },
            ],
          };
    const docs: VersionDoc[] = await this.files().find(filter, { projection: VERSION_FIELDS }).sort(PATH_ORDER).limit(limit).toArray();
    if (docs.length === limit && docs.length > 0) {
      const last = docs[docs.length - 1];
      const rest = { namespace: last.namespace, hostname: last.hostname, filepath: last.filepath, version: { $gt: last.version } };
      docs.push(...(await this.files().find(rest, { projection: VERSION_FIELDS }).sort({ version: 1 }).toArray()));
    }
    return groupPaths(docs);
  }

  async removeVersions(ids: string[]): Promise<string[]> {
    const _ids = ids.map(parseObjectId).filter((id): id is NonNullable<typeof id> => id !== null);
    if (_ids.length === 0) return [];
    const found = await this.files()
      .find({ _id: { $in: _ids }, ...REMOVABLE }, { projection: { _id: 1 } })
      .toArray();
    const removing = found.map((doc) => doc._id);
    if (removing.length === 0) return [];
    const { deletedCount } = await this.files().deleteMany({ _id: { $in: removing }, ...REMOVABLE });
    if (deletedCount === removing.length) return removing.map((id) => id.toHexString());
    // Something changed in between (a version became current again cannot happen; a concurrent removal can).
    const left = new Set(
      (
        await this.files()
          .find({ _id: { $in: removing } }, { projection: { _id: 1 } })
          .toArray()
      ).map((d) => d._id.toHexString()),
    );
    return removing.map((id) => id.toHexString()).filter((id) => !left.has(id));
  }

  /**
   * Checks that the path's newest version is still the one deleted at `deletedAt`, then removes it and every older
   * one. A new version recorded at that very moment is numbered above it and stays.
   */
  async forgetDeletedPath(path: PathKey, deletedAt: Date): Promise<number> {
    const { namespace, hostname, filepath } = path;
    const newest = await this.files().findOne({ namespace, hostname, filepath }, { sort: { version: -1 }, projection: VERSION_FIELDS });
    if (!newest?.deleted_at || newest.deleted_at.getTime() !== deletedAt.getTime()) return 0;
    return (await this.files().deleteMany({ namespace, hostname, filepath, version: { $lte: newest.version } })).deletedCount;
  }

  private files(): Collection<FileDoc> {
    return this.db.collection<FileDoc>('files');
  }

  private rules(): Collection<RulesDoc> {
    return this.db.collection<RulesDoc>('retention');
  }
}
