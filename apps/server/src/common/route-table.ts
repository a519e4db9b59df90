import type { FastifyInstance } from 'fastify';
import FindMyWay, { type HTTPMethod } from 'find-my-way';

const METHODS: HTTPMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

/**
 * Every route the server answers, by path: tells a request that matched no route whether its path exists under
 * other methods (`405` with `Allow`) or not at all (`404`).
 */
export class RouteTable {
  private readonly router = FindMyWay({ maxParamLength: 65_536, ignoreDuplicateSlashes: false });

  /** Records every route registered on `fastify` from now on. */
  constructor(fastify: FastifyInstance) {
    fastify.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) this.router.on(method as HTTPMethod, route.url, () => undefined);
    });
  }

  /** The methods that have a route at this URL's path; empty when the path has none. */
  allowedMethods(url: string): string[] {
    const path = url.split('?')[0];
    return METHODS.filter((method) => this.router.find(method, path) !== null);
  }
}
