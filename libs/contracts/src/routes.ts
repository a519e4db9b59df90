/** Route paths of the API contract, shared by the server and the client. */
export const API_PREFIX = '/api/v1';

export const ROUTES = {
  health: '/health',
  ready: '/ready',
  metrics: '/metrics',
  openapi: '/openapi.json',
  blob: (sha256: string) => `${API_PREFIX}/blobs/${sha256}`,
  blobFiles: (sha256: string) => `${API_PREFIX}/blobs/${sha256}/files`,
  blobsMissing: `${API_PREFIX}/blobs/missing`,
  blobsPack: `${API_PREFIX}/blobs/pack`,
  files: `${API_PREFIX}/files`,
  filesBatch: `${API_PREFIX}/files/batch`,
  filesDeleted: `${API_PREFIX}/files/deleted`,
  filesSeen: `${API_PREFIX}/files/seen`,
  filesHistory: `${API_PREFIX}/files/history`,
  filesContent: `${API_PREFIX}/files/content`,
  file: (id: string) => `${API_PREFIX}/files/${encodeURIComponent(id)}`,
  keys: `${API_PREFIX}/keys`,
  keysMe: `${API_PREFIX}/keys/me`,
  key: (id: string) => `${API_PREFIX}/keys/${encodeURIComponent(id)}`,
  stats: `${API_PREFIX}/stats`,
  legacyUploadUrl: (sha256: string) => `/upload_file/${sha256}`,
  jobs: `${API_PREFIX}/jobs`,
  job: (id: string) => `${API_PREFIX}/jobs/${encodeURIComponent(id)}`,
  retention: `${API_PREFIX}/retention`,
  objects: (bucket: string) => `${API_PREFIX}/objects/${encodeURIComponent(bucket)}`,
  /** Each segment of the key percent-encoded; its `/` kept. */
  object: (bucket: string, key: string) =>
    `${API_PREFIX}/objects/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`,
  scans: `${API_PREFIX}/scans`,
  scan: (id: string) => `${API_PREFIX}/scans/${encodeURIComponent(id)}`,
  hosts: `${API_PREFIX}/hosts`,
  uploads: `${API_PREFIX}/uploads`,
  audit: `${API_PREFIX}/audit`,
  auditVerify: `${API_PREFIX}/audit/verify`,
  upload: (id: string) => `${API_PREFIX}/uploads/${encodeURIComponent(id)}`,
} as const;
