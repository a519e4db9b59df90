import { CreatedKey, CreateKeyRequest, Items, KeyIdentity, KeyInfo, ROUTES } from '@app/contracts';
import { FileRoutes } from './file-routes';

/** The routes of API keys (`/api/v1/keys`). */
export abstract class KeyRoutes extends FileRoutes {
  createKey(req: CreateKeyRequest): Promise<CreatedKey> {
    return this.http.json({ method: 'POST', path: ROUTES.keys, json: req, idempotent: false, what: 'create key' });
  }

  async listKeys(): Promise<KeyInfo[]> {
    const res = await this.http.json<KeyInfo[] | Items<KeyInfo>>({ method: 'GET', path: ROUTES.keys, what: 'list keys' });
    return Array.isArray(res) ? res : res.items;
  }

  async revokeKey(id: string): Promise<void> {
    await this.http.empty({ method: 'DELETE', path: ROUTES.key(id), what: 'revoke key' });
  }

  /** The calling key's identity: the way to check a key. */
  me(): Promise<KeyIdentity> {
    return this.http.json({ method: 'GET', path: ROUTES.keysMe, what: 'key check' });
  }
}
