import type { FastifyInstance } from 'fastify';
import FindMyWay, { type HTTPMethod } from 'find-my-way';

const METHODS: HTTPMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

/** Parameters in a route pattern: the fewer, the more specific the route. */
const paramsOf = (pattern: string) => pattern.split('/').filter((s) => s.startsWith(':') || s === '*').length;

/**
 * Every route the server answers, by path: tells a request that matched no route whether its path is a resource
 * under other methods (`405` with `Allow`) or not one at all (`404`).
 */
export class RouteTable {
  private readonly router = FindMyWay({ maxParamLength: 65_536 });

  /** Records every route registered on `fastify` from now on. */
  constructor(fastify: FastifyInstance) {
    fastify.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) this.router.on(method as HTTPMethod, route.url, () => undefined, { pattern: route.url });
    });
  }

  /**
   * The methods of the resource at this URL: those whose route is the most specific one the path matches
   * (`/api/v1/files/batch` is the batch resource, not a record id), empty when it matches none.
   */
  allowedMethods(url: string): string[] {
    const path = url.split('?')[0];
    const matches = METHODS.map((method) => ({
      method,
      pattern: (this.router.find(method, path)?.store as { pattern?: string } | undefined)?.pattern,
    })).filter((m): m is { method: HTTPMethod; pattern: string } => m.pattern !== undefined);
    if (matches.length === 0) return [];
    const fewest = Math.min(...matches.map((m) => paramsOf(m.pattern)));
    const resource = matches.find((m) => paramsOf(m.pattern) === fewest)!.pattern;
    return matches.filter((m) => m.pattern === resource).map((m) => m.method);
  }
}
