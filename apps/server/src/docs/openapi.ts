import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import type { RouteAccess } from '../auth/route-access';

/** The document's version of OpenAPI: JSON Schema 2020-12, so `null` and every keyword of the schemas carry over. */
const OPENAPI_VERSION = '3.1.0';

/**
 * Publishes the OpenAPI document built from the very route schemas Fastify validates with (@fastify/swagger reads
 * each route as it is registered), at `/openapi.json`, with the UI at `/docs`. A content route's body, which is
 * never parsed, is described by its media types.
 */
export async function registerOpenApi(app: NestFastifyApplication, version: string): Promise<void> {
  await app.register(swagger as never, {
    exposeHeadRoutes: true,
    openapi: {
      openapi: OPENAPI_VERSION,
      info: {
        title: 'Hoard',
        description:
          'Content-addressable, deduplicating file store. Every error answers {"error":{"code","message","details"}}; ' +
          'unknown fields of a JSON body are ignored.',
        version,
      },
      components: {
        securitySchemes: {
          'api-key': { type: 'apiKey', in: 'header', name: 'X-API-Key' },
          bearer: { type: 'http', scheme: 'bearer', description: 'The same API key, as a bearer token' },
        },
      },
    },
    transform: ({ schema, url }: { schema: Record<string, unknown> | undefined; url: string }) => {
      if (!schema) return { schema, url };
      const { 'x-upload-body': upload, ...rest } = schema;
      const named = nameWildcard(rest, url);
      return { schema: upload ? { ...named.schema, body: { content: upload } } : named.schema, url: named.url };
    },
  });
  await app.register(async (docs: FastifyInstance) => {
    // The documentation's own routes need no key.
    docs.addHook('onRoute', (route) => {
      const access: RouteAccess = { access: 'public' };
      route.config = { ...(route.config as object), ...access } as never;
    });
    await docs.register(swaggerUi, { routePrefix: '/docs' });
  });
}

/**
 * A route whose last parameter is the rest of the path (`/api/v1/objects/:bucket/*`, the router's `*`) is documented
 * with that parameter named `key`, as the contract names it, its schema marked `x-rest-of-path`.
 */
function nameWildcard(schema: Record<string, unknown>, url: string): { schema: Record<string, unknown>; url: string } {
  const params = schema.params as { properties?: Record<string, unknown>; required?: string[] } | undefined;
  if (!url.endsWith('/*') || !params?.properties?.['*']) return { schema, url };
  const { '*': rest, ...others } = params.properties;
  // Readers of the document learn that this one parameter may hold `/` (OpenAPI has no word for it).
  const key = { ...(rest as object), 'x-rest-of-path': true };
  const required = (params.required ?? []).map((name) => (name === '*' ? 'key' : name));
  return {
    schema: { ...schema, params: { ...params, properties: { ...others, key }, required } },
    url: `${url.slice(0, -1)}:key`,
  };
}
