import { TUS_EXTENSIONS } from '@app/contracts';
import { DataStore, ERRORS } from '@tus/utils';
import type { Readable } from 'node:stream';

/** DI token of the configured {@link UploadStore}. */
export const UPLOAD_STORE = Symbol('UPLOAD_STORE');

/** The tus extensions every upload store offers (no deferred length: content by digest has a known size). */
export const UPLOAD_EXTENSIONS: string[] = [...TUS_EXTENSIONS];

/** An upload's id: lower-case hex, as the server names them. Nothing else reaches a path or an S3 key. */
const UPLOAD_ID_RE = /^[0-9a-f]{32,64}$/;

/** True when `id` can name an upload. */
export function isUploadId(id: string): boolean {
  return UPLOAD_ID_RE.test(id);
}

/**
 * The id of a request, checked before any path or key is built from it.
 * @throws the tus "not found" error for anything that is not an upload id
 */
export function checkedUploadId(id: string): string {
  if (!isUploadId(id)) throw ERRORS.FILE_NOT_FOUND;
  return id;
}

/**
 * Where the bytes of unfinished resumable (tus) uploads live until their last byte arrives: the tus server's
 * `DataStore` (create, write at an offset, the offset, remove, expiry), plus reading a finished upload back for the
 * verified put. Offsets are kept in the store itself (a file's size, an S3 multipart upload's parts), never in a
 * process, so any server instance continues any upload and a restart loses nothing.
 *
 * `deleteExpired` removes every upload, finished or not, created longer than `getExpiration()` ms ago: a finished
 * one that is still there was never collected (its server died before the verified put), and its client has long
 * given up. Implementations: local files, S3 multipart uploads, memory (for specs).
 */
export interface UploadStore extends DataStore {
  /** Short name for logs (`local`, `s3`, `memory`). */
  readonly kind: string;

  /** The bytes of a finished upload (`size` bytes), streamed. @throws the tus "not found" error */
  open(id: string): Promise<Readable>;

  /**
   * When the store keeps an upload's bytes in a file of this host (local files): that file of a finished upload of
   * `size` bytes with the digest of its bytes (kept up as they were written, or read back and hashed), so that the
   * blob store may link it in (PutOptions.adoptFile) rather than copy it. Undefined when it no longer holds `size`
   * bytes or cannot be read: the upload is then copied (`open`), which decides.
   */
  finishedFile?(id: string, size: number): Promise<FinishedFile | undefined>;

  /** Releases connections. */
  close(): Promise<void>;
}

/** A finished upload's file and the digest of its bytes. */
export interface FinishedFile {
  file: string;
  sha256: string;
}

/** True when `created` (an upload's ISO creation time) is longer than `expiryMs` ago; never when expiry is off. */
export function hasExpired(created: string | undefined, expiryMs: number, now = Date.now()): boolean {
  if (expiryMs <= 0 || !created) return false;
  const time = new Date(created).getTime();
  return Number.isFinite(time) && now > time + expiryMs;
}
