import type { KeyRecord } from './metadata-types';

/** DI token of the configured {@link KeyStore}. */
export const KEY_STORE = Symbol('KEY_STORE');

/**
 * API keys as stored: their secrets only hashed. Adapters: sqlite, mongodb. Safe to call concurrently from several
 * server instances sharing one database; `HoardError('unavailable')` when the database cannot be reached.
 */
export interface KeyStore {
  createKey(key: KeyRecord): Promise<void>;
  /** The key whose secret hashes to `hash`, or null. */
  findKeyByHash(hash: string): Promise<KeyRecord | null>;
  getKey(id: string): Promise<KeyRecord | null>;
  /** Every key, in creation order. */
  listKeys(): Promise<KeyRecord[]>;
  /** Sets `revoked_at` if not set; false when no such key. */
  revokeKey(id: string, now: Date): Promise<boolean>;
  /** Sets `last_used_at`. */
  touchKey(id: string, now: Date): Promise<void>;
  countKeys(): Promise<number>;
}
