/**
 * Paths as the walk and the cache build them: absolute, `/`-separated, no trailing slash but for `/` itself. Kept
 * to string operations, since these run once per file.
 */

/** The child `name` of directory `dir`. */
export function childPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/** The directory holding `path`. */
export function parentDir(path: string): string {
  const at = path.lastIndexOf('/');
  return at <= 0 ? '/' : path.slice(0, at);
}

/** The last name of `path`. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
