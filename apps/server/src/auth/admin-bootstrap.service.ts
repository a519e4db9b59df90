import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServerSettings } from '../config/server-settings';
import { KeysService } from './keys.service';

/**
 * Makes sure an admin can get in: ensures HOARD_BOOTSTRAP_ADMIN_KEY exists, or, when no key exists at all,
 * mints one and writes it to `<data dir>/admin.key` (mode 0600). The key itself is never logged.
 */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Bootstrap');

  /** Where the admin key minted at this start was written (null when none was minted); logged once listening. */
  createdKeyFile: string | null = null;

  constructor(
    private readonly settings: ServerSettings,
    private readonly keys: KeysService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const secret = this.settings.bootstrapAdminKey;
    if (secret) {
      const existing = await this.keys.findBySecret(secret);
      if (!existing) {
        await this.keys.create({ name: 'bootstrap-admin', scopes: ['admin'], secret });
        this.logger.log('created the admin key given by HOARD_BOOTSTRAP_ADMIN_KEY');
      } else if (existing.revoked_at) {
        this.logger.warn('the key given by HOARD_BOOTSTRAP_ADMIN_KEY was revoked; it stays revoked');
      }
      return;
    }
    if ((await this.keys.count()) > 0) return;
    const created = await this.keys.create({ name: 'initial-admin', scopes: ['admin'] });
    const path = join(this.settings.dataDir, 'admin.key');
    writeFileSync(path, `${created.key}\n`, { mode: 0o600 });
    chmodSync(path, 0o600);
    this.createdKeyFile = path;
  }
}
