/**
 * A directory's entries from the API's flat listings (`GET /api/v1/files` under a `path_prefix`, or
 * `GET /api/v1/objects/{bucket}` under a `prefix`): each page's paths are folded into the directory's files and
 * subdirectories; the next page is asked for only when the person wants more.
 */

/** One entry of a directory: a subdirectory, or a file with its size and digest. */
export interface Entry {
  name: string;
  dir: boolean;
  size?: number;
  sha256?: string;
  /** When the file's current version was recorded (ISO). */
  at?: string;
}

/** A directory's path as the namespace spells it: hosts `/a/b` (root `/`), buckets `a/b/` (root ``). */
export interface Place {
  kind: 'host' | 'bucket';
  name: string;
  dir: string;
}

/** The part of `path` below `dir`, or null when it is not below it. */
export function below(place: Place, path: string): string | null {
  if (place.kind === 'bucket') return path.startsWith(place.dir) ? path.slice(place.dir.length) : null;
  if (place.dir === '/') return path.startsWith('/') ? path.slice(1) : path;
  return path.startsWith(`${place.dir}/`) ? path.slice(place.dir.length + 1) : null;
}

/** A child's path under the directory. */
export function childPath(place: Place, name: string, dir: boolean): string {
  if (place.kind === 'bucket') return `${place.dir}${name}${dir ? '/' : ''}`;
  return place.dir === '/' ? `/${name}` : `${place.dir}/${name}`;
}

/** The directories from the root to `place.dir`, each with its path, for a breadcrumb. */
export function crumbs(place: Place): Array<{ name: string; dir: string }> {
  const root = place.kind === 'bucket' ? '' : '/';
  const out = [{ name: place.name, dir: root }];
  const parts = place.dir.split('/').filter(Boolean);
  parts.forEach((part, i) => {
    const joined = parts.slice(0, i + 1).join('/');
    out.push({ name: part, dir: place.kind === 'bucket' ? `${joined}/` : `/${joined}` });
  });
  return out;
}

/**
 * Folds one page of `{path, size, sha256, at}` into `entries` (by name): a path directly in the directory is a file,
 * a deeper one makes its first segment a subdirectory. Returns how many entries were new.
 */
export function fold(
  place: Place,
  entries: Map<string, Entry>,
  items: Array<{ path: string; size: number; sha256: string; at: string }>,
): number {
  let added = 0;
  for (const item of items) {
    const rest = below(place, item.path);
    if (rest === null || rest === '') continue;
    const slash = rest.indexOf('/');
    const name = slash < 0 ? rest : rest.slice(0, slash);
    const key = slash < 0 ? `f:${name}` : `d:${name}`;
    if (entries.has(key)) continue;
    entries.set(key, slash < 0 ? { name, dir: false, size: item.size, sha256: item.sha256, at: item.at } : { name, dir: true });
    added += 1;
  }
  return added;
}

/** Directories first, then files, each by name. */
export function sorted(entries: Map<string, Entry>): Entry[] {
  return [...entries.values()].sort((a, b) => (a.dir === b.dir ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.dir ? -1 : 1));
}
