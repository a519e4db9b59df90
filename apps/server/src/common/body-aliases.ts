import type { FastifyInstance } from 'fastify';
import { routeAccess } from '../auth/access-control';

/**
 * Renames a JSON body's fields that arrive under another name the route accepts (its `bodyAliases`) before the
 * schema sees them; a field sent under both names keeps the canonical one.
 */
export function registerBodyAliases(fastify: FastifyInstance): void {
  fastify.addHook('preValidation', async (request) => {
    const aliases = routeAccess(request).bodyAliases;
    const body = request.body as Record<string, unknown> | null;
    if (!aliases || typeof body !== 'object' || body === null || Array.isArray(body)) return;
    for (const [alias, name] of Object.entries(aliases)) {
      if (!Object.prototype.hasOwnProperty.call(body, alias)) continue;
      if (!Object.prototype.hasOwnProperty.call(body, name)) body[name] = body[alias];
      delete body[alias];
    }
  });
}
