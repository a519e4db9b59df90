import { Injectable } from '@nestjs/common';
import type { LoginResponse } from '@app/contracts';
import { ServerSettings } from '../config/server-settings';
import { signAccessToken } from './access-token';
import { KeysService } from './keys.service';

/** Logging in with an API key as the password, as PutPlace's client does: a short-lived bearer token for that key. */
@Injectable()
export class AccessTokensService {
  constructor(
    private readonly keys: KeysService,
    private readonly settings: ServerSettings,
  ) {}

  /**
   * A token for the key given as `password` (an API key itself, never a token: a token cannot renew itself), valid
   * the token lifetime of the settings or until the key expires, whichever comes first.
   * @throws HoardError unauthorized when the password is not a valid key
   */
  async login(password: string, now = new Date()): Promise<LoginResponse> {
    const key = await this.keys.authenticateKey(password, now);
    const { token, expiresAt } = signAccessToken(key, this.settings.tokenTtlSeconds, now);
    return { access_token: token, token_type: 'bearer', expires_in: Math.floor((expiresAt.getTime() - now.getTime()) / 1000) };
  }
}
