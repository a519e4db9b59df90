import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { AuthedRequest } from './api-key.guard';

/**
 * Rate limits per API key. Runs after {@link ApiKeyGuard}; public routes (health, readiness, metrics, docs) carry
 * no key and are not limited, so probes and scrapers never see a 429.
 */
@Injectable()
export class KeyThrottlerGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return !context.switchToHttp().getRequest<AuthedRequest>().apiKey;
  }

  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    return `key:${(request as unknown as AuthedRequest).apiKey!.id}`;
  }
}
