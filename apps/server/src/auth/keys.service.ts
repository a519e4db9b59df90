import { Inject, Injectable, Logger } from '@nestjs/common';
import { CreatedKey, HoardError, KeyInfo, Scope } from '@app/contracts';
import { KEY_STORE, KeyRecord, KeyStore } from '@app/metadata';
import { accessTokenKeyId, verifyAccessToken } from './access-token';
import { generateKeyId, generateKeySecret, hashesEqual, hashKeySecret } from './key-secret';

/** How often `last_used_at` is written for one key, at most. */
const TOUCH_INTERVAL_MS = 60_000;

export interface NewKey {
  name: string;
  scopes: Scope[];
  /** When the key stops working: a time, or an ISO-8601 string as a request or the command line gives it. */
  expiresAt?: Date | string | null;
  /** Use this secret instead of generating one (bootstrap key). */
  secret?: string;
  /** The tenants the key is limited to (see `KeyRecord`); absent or both empty: not limited. */
  hostnames?: string[];
  buckets?: string[];
}

/** Minting, checking, listing and revoking API keys. Secrets are returned once and stored only hashed. */
@Injectable()
export class KeysService {
  private readonly logger = new Logger('Keys');
  private readonly touched = new Map<string, number>();

  constructor(@Inject(KEY_STORE) private readonly store: KeyStore) {}

  /**
   * Mints a key.
   * @throws HoardError validation_failed naming `expires_at` when it is not a time or not in the future, or naming
   *   `hostnames` and `buckets` when an admin key would be limited to tenants (an admin sees and mints everything)
   */
  async create(input: NewKey, now = new Date()): Promise<CreatedKey> {
    const expiresAt = keyExpiry(input.expiresAt, now);
    const scopes = [...new Set(input.scopes)];
    const hostnames = [...new Set(input.hostnames ?? [])];
    const buckets = [...new Set(input.buckets ?? [])];
    if (scopes.includes('admin') && hostnames.length + buckets.length > 0) throw adminLimited();
    const secret = input.secret ?? generateKeySecret();
    const record: KeyRecord = {
      id: generateKeyId(),
      name: input.name,
      scopes,
      hostnames,
      buckets,
      hash: hashKeySecret(secret),
      created_at: now,
      expires_at: expiresAt,
      last_used_at: null,
      revoked_at: null,
    };
    await this.store.createKey(record);
    return {
      id: record.id,
      name: record.name,
      scopes,
      hostnames,
      buckets,
      key: secret,
      created_at: now.toISOString(),
      expires_at: record.expires_at?.toISOString() ?? null,
    };
  }

  /**
   * The key record of a presented secret when it is valid now: an API key, or an access token made from one (see
   * access-token.ts), which stands for its key as long as both are valid.
   * @throws HoardError unauthorized for unknown, revoked or expired keys and for bad or expired tokens.
   */
  async authenticate(secret: string, now = new Date()): Promise<KeyRecord> {
    const tokenKeyId = accessTokenKeyId(secret);
    if (tokenKeyId === null) return this.authenticateKey(secret, now);
    const key = await this.store.getKey(tokenKeyId);
    if (!key) throw new HoardError('unauthorized', 'Unknown API key or token');
    verifyAccessToken(secret, key, now);
    return this.usable(key, now);
  }

  /**
   * The key record of an API key (never a token) when it is valid now.
   * @throws HoardError unauthorized for unknown, revoked or expired keys.
   */
  async authenticateKey(secret: string, now = new Date()): Promise<KeyRecord> {
    const hash = hashKeySecret(secret);
    const key = await this.store.findKeyByHash(hash);
    if (!key || !hashesEqual(key.hash, hash)) throw new HoardError('unauthorized', 'Unknown API key');
    return this.usable(key, now);
  }

  /** The key, if neither revoked nor expired (its use recorded). */
  private usable(key: KeyRecord, now: Date): KeyRecord {
    if (key.revoked_at) throw new HoardError('unauthorized', 'This API key was revoked');
    if (key.expires_at && key.expires_at.getTime() <= now.getTime()) {
      throw new HoardError('unauthorized', 'This API key has expired');
    }
    this.touch(key, now);
    return key;
  }

  async list(): Promise<KeyInfo[]> {
    return (await this.store.listKeys()).map(toKeyInfo);
  }

  /** @throws HoardError not_found */
  async revoke(id: string, now = new Date()): Promise<void> {
    if (!(await this.store.revokeKey(id, now))) throw new HoardError('not_found', `No key with id ${id}`);
  }

  async findBySecret(secret: string): Promise<KeyRecord | null> {
    return this.store.findKeyByHash(hashKeySecret(secret));
  }

  async count(): Promise<number> {
    return this.store.countKeys();
  }

  /** Writes last_used_at at most once a minute per key (across instances, thanks to the stored value). */
  private touch(key: KeyRecord, now: Date): void {
    const last = Math.max(this.touched.get(key.id) ?? 0, key.last_used_at?.getTime() ?? 0);
    if (now.getTime() - last < TOUCH_INTERVAL_MS) return;
    this.touched.set(key.id, now.getTime());
    this.store.touchKey(key.id, now).catch((err: Error) => this.logger.warn(`could not record key use: ${err.message}`));
  }
}

/** The expiry of a new key: none, or a valid time in the future. @throws HoardError validation_failed */
function keyExpiry(value: Date | string | null | undefined, now: Date): Date | null {
  if (value === undefined || value === null) return null;
  const expiresAt = new Date(value);
  if (Number.isNaN(expiresAt.getTime())) throw badExpiry('expires_at must be an ISO-8601 time, e.g. 2027-01-31T00:00:00Z');
  if (expiresAt.getTime() <= now.getTime()) throw badExpiry('expires_at must be in the future');
  return expiresAt;
}

function adminLimited(): HoardError {
  const message = 'an admin key cannot be limited to tenants: give it no hostnames or buckets, or give the limited key read or write';
  return new HoardError('validation_failed', message, {
    details: { fields: ['hostnames', 'buckets'].map((field) => ({ field, errors: [message] })) },
  });
}

function badExpiry(message: string): HoardError {
  return new HoardError('validation_failed', message, { details: { fields: [{ field: 'expires_at', errors: [message] }] } });
}

export function toKeyInfo(key: KeyRecord): KeyInfo {
  return {
    id: key.id,
    name: key.name,
    scopes: key.scopes,
    hostnames: key.hostnames,
    buckets: key.buckets,
    created_at: key.created_at.toISOString(),
    expires_at: key.expires_at?.toISOString() ?? null,
    last_used_at: key.last_used_at?.toISOString() ?? null,
    revoked_at: key.revoked_at?.toISOString() ?? null,
  };
}
