import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { AuthedRequest } from './api-key.guard';

/** Rate limits per API key (per client address on public routes). Runs after {@link ApiKeyGuard}. */
@Injectable()
export class KeyThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const req = request as unknown as AuthedRequest;
    return req.apiKey ? `key:${req.apiKey.id}` : `ip:${req.ip}`;
  }
}
