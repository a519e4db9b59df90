/**
 * The action of each audited route, by method and route pattern: every route that changes state or reads content.
 * Names are stable dotted strings (documented in the README); PutPlace's routes share the names of the routes they
 * stand for. A refused key (`401`, or `403` for a missing scope) is `auth.refused` on any route.
 */
export const AUDITED_ROUTES: Readonly<Record<string, string>> = {
  'PUT /api/v1/blobs/:sha256': 'blob.put',
  'POST /api/v1/blobs/pack': 'blob.pack',
  'GET /api/v1/blobs/:sha256': 'blob.get',
  'DELETE /api/v1/blobs/:sha256': 'blob.takedown',
  'POST /api/v1/blobs/:sha256/reinstate': 'blob.reinstate',
  'POST /api/v1/files': 'files.record',
  'POST /api/v1/files/batch': 'files.record',
  'POST /api/v1/files/seen': 'files.seen',
  'POST /api/v1/files/deleted': 'files.delete',
  'DELETE /api/v1/files/:id': 'files.delete',
  'DELETE /api/v1/files': 'files.delete',
  'GET /api/v1/files/content': 'files.content',
  'PUT /api/v1/objects/:bucket/*': 'object.put',
  'POST /api/v1/objects/:bucket': 'object.put',
  'GET /api/v1/objects/:bucket/*': 'object.get',
  'DELETE /api/v1/objects/:bucket/*': 'object.delete',
  'DELETE /api/v1/objects/:bucket': 'object.delete',
  'POST /api/v1/uploads': 'upload.create',
  'PATCH /api/v1/uploads/:id': 'upload.write',
  'DELETE /api/v1/uploads/:id': 'upload.delete',
  'POST /api/v1/keys': 'key.create',
  'DELETE /api/v1/keys/:id': 'key.revoke',
  'POST /api/v1/jobs': 'job.create',
  'DELETE /api/v1/jobs/:id': 'job.cancel',
  'PUT /api/v1/retention': 'retention.set',
  'POST /api/v1/scans': 'scan.open',
  'PATCH /api/v1/scans/:id': 'scan.report',
  'POST /put_file': 'files.record',
  'POST /upload_file/:sha256': 'blob.put',
  'GET /get_file/:sha256': 'blob.get',
  'POST /api_keys': 'key.create',
  'PUT /api_keys/:id/revoke': 'key.revoke',
  'DELETE /api_keys/:id': 'key.delete',
  'POST /api/login': 'auth.login',
  'POST /api/v2/auth/login': 'auth.login',
};

/** The action of a refused key, on any route. */
export const AUTH_REFUSED = 'auth.refused';

/** Every action an entry can carry. */
export const AUDIT_ACTIONS: readonly string[] = [...new Set([...Object.values(AUDITED_ROUTES), AUTH_REFUSED])].sort();

/**
 * The action of an answered request, or null when it is not audited (reads of listings and metadata, unknown
 * routes). A refused key or login (`401`, `403`) is audited on every route.
 */
export function auditActionOf(method: string, route: string | undefined, status: number): string | null {
  if (route === undefined) return null;
  if (status === 401 || status === 403) return AUTH_REFUSED;
  return AUDITED_ROUTES[`${method} ${route}`] ?? null;
}
