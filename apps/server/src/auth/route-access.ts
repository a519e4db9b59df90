import type { Scope } from '@app/contracts';

/** Who may call a route: no key (`public`), any valid key (`any`), or a key with this scope. */
export type Access = 'public' | 'any' | Scope;

/** Routes whose body is content: `raw` bytes, or `multipart` (a pack, or PutPlace's upload form). */
export type UploadKind = 'raw' | 'multipart';

/** The route config every route carries (Fastify `config`), read by the hooks that run before the body. */
export interface RouteAccess {
  access: Access;
  upload?: UploadKind;
  exemptFromPressure?: boolean;
  /** A GET that streams content: it also takes a token from `POST /api/login` as `?access_token=` (a browser's link). */
  tokenInQuery?: boolean;
  /** Other names of JSON body fields, renamed before validation (PutPlace's `file_size`, …). */
  bodyAliases?: Record<string, string>;
}

/** `admin` covers `write`, which covers `read`. */
export function scopeAllows(granted: readonly Scope[], required: Access): boolean {
  if (required === 'public' || required === 'any' || granted.includes('admin')) return true;
  if (required === 'read') return granted.includes('read') || granted.includes('write');
  return granted.includes(required);
}
