import { HoardError } from '@app/contracts';
import type { KeyRecord } from '@app/metadata';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../common/error-mapping';
import type { RouteTable } from '../common/route-table';
import { accessTokenKeyId } from './access-token';
import type { KeysService } from './keys.service';
import { RouteAccess, scopeAllows } from './route-access';

/** A request whose key was checked: the key, attached before the body is read. */
export type AuthedRequest = FastifyRequest & { apiKey?: KeyRecord };

/** The key a request presents: `X-API-Key`, or `Authorization: Bearer`. */
export function presentedKey(request: FastifyRequest): string | null {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header.trim()) return header.trim();
  const auth = request.headers.authorization;
  if (typeof auth === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (match) return match[1];
  }
  return null;
}

/**
 * The secret a request presents: its header (`presentedKey`) or, on a route that takes one, a login token as
 * `?access_token=`. An API key in a URL is refused: URLs are kept in histories and logs, tokens expire.
 * @throws HoardError unauthorized when the query names something that is not a token
 */
export function presentedSecret(request: FastifyRequest): string | null {
  const header = presentedKey(request);
  if (header || !routeAccess(request).tokenInQuery) return header;
  const token = (request.query as { access_token?: unknown } | undefined)?.access_token;
  if (typeof token !== 'string' || token === '') return null;
  if (accessTokenKeyId(token) === null) {
    throw new HoardError('unauthorized', 'access_token takes a token from POST /api/login, never an API key');
  }
  return token;
}

/** The access, upload kind and other settings the matched route declared (empty for an unknown route). */
export function routeAccess(request: FastifyRequest): Partial<RouteAccess> {
  return (request.routeOptions.config as Partial<RouteAccess> | undefined) ?? {};
}

/**
 * Checks the key and the scope of every request as soon as its headers are in, before its body is read or
 * validated: a request without a valid key costs one indexed key lookup and is answered at once (`401`, or `403`
 * when the key lacks the route's scope). A resource asked with a method it does not have answers `405` with
 * `Allow`; an unknown path falls through to the `404`.
 */
export function registerAccessControl(fastify: FastifyInstance, keys: KeysService, routes: RouteTable): void {
  fastify.addHook('onRequest', async (request: AuthedRequest, reply: FastifyReply) => {
    // `GET /api/v1/blobs/missing` would reach `GET /api/v1/blobs/:sha256`: the resource is the batch, POST only.
    const allowed = routes.allowedMethods(request.url);
    if (allowed.length > 0 && !allowed.includes(request.method)) {
      reply.header('Allow', allowed.join(', '));
      return sendError(
        request,
        reply,
        new HoardError('method_not_allowed', `${request.method} is not allowed here; this path answers ${allowed.join(', ')}`),
      );
    }
    if (request.is404) return;
    // A route that names no access is an admin's: forgetting to declare one must never open it.
    const access = routeAccess(request).access ?? 'admin';
    if (access === 'public') return;
    let secret: string | null;
    try {
      secret = presentedSecret(request);
    } catch (err) {
      return sendError(request, reply, err as HoardError);
    }
    if (!secret) {
      return sendError(request, reply, new HoardError('unauthorized', 'An API key is required: send X-API-Key or Authorization: Bearer'));
    }
    let key: KeyRecord;
    try {
      key = await keys.authenticate(secret);
    } catch (err) {
      if (err instanceof HoardError && err.code === 'unauthorized') return sendError(request, reply, err);
      throw err;
    }
    request.apiKey = key;
    if (!scopeAllows(key.scopes, access)) {
      return sendError(
        request,
        reply,
        new HoardError('forbidden', `This key lacks the "${access}" scope this route needs`, {
          details: { required_scope: access, key_scopes: key.scopes },
        }),
      );
    }
  });
}
