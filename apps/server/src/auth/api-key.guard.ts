import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { HoardError } from '@app/contracts';
import type { KeyRecord } from '@app/metadata';
import type { FastifyRequest } from 'fastify';
import { KeysService } from './keys.service';
import { PUBLIC_ROUTE, REQUIRED_SCOPE, RequiredScope, scopeAllows } from './scopes.decorator';

/** The authenticated key, attached to the request by {@link ApiKeyGuard}. */
export type AuthedRequest = FastifyRequest & { apiKey?: KeyRecord };

/** Reads `X-API-Key` or `Authorization: Bearer`, checks the key and the scope the route names. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: KeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const required = this.reflector.getAllAndOverride<RequiredScope>(REQUIRED_SCOPE, targets) ?? 'admin';
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const secret = presentedKey(request);
    if (!secret) throw new HoardError('unauthorized', 'An API key is required: send X-API-Key or Authorization: Bearer');
    const key = await this.keys.authenticate(secret);
    request.apiKey = key;
    if (!scopeAllows(key.scopes, required)) {
      throw new HoardError('forbidden', `This key lacks the "${required}" scope this route needs`, {
        details: { required_scope: required, key_scopes: key.scopes },
      });
    }
    return true;
  }
}

function presentedKey(request: FastifyRequest): string | null {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header.trim()) return header.trim();
  const auth = request.headers.authorization;
  if (typeof auth === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (match) return match[1];
  }
  return null;
}
