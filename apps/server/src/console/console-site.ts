import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HoardError } from '@app/contracts';
import type { RouteAccess } from '../auth/route-access';
import { sendError } from '../common/error-mapping';

/** Where the console's pages are served. */
export const CONSOLE_PREFIX = '/console';

/**
 * What a console page may load: its own scripts, styles and API, images of its own or inline data (the charts are
 * SVG elements, not images); no inline script, no frame, no form sent elsewhere.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Hashed file names (`assets/index-3f2a9c.js`) never change content: a year, immutable. */
const ASSET_CACHE = 'public, max-age=31536000, immutable';

/** The directory `npm run build` writes the console to: `dist/console`, beside `dist/apps/server/src`. */
export function builtConsoleDir(): string {
  return resolve(__dirname, '..', '..', '..', '..', 'console');
}

function setConsoleHeaders(reply: FastifyReply): void {
  reply.header('Content-Security-Policy', CONSOLE_CSP);
  reply.header('X-Content-Type-Options', 'nosniff');
  reply.header('Referrer-Policy', 'no-referrer');
  reply.header('X-Frame-Options', 'DENY');
}

/**
 * Serves the built console under `/console` when `dir` holds it (returns false otherwise): files as they are, hashed
 * assets with a long cache, and every other path under `/console/` the app's `index.html` (its router shows the
 * page), never cached. Every answer carries the console's CSP. The routes need no key: the pages hold no data; the
 * app asks the API with the key the person signs in with.
 */
export async function registerConsole(app: NestFastifyApplication, dir: string): Promise<boolean> {
  if (!existsSync(join(dir, 'index.html'))) return false;
  await app.register(
    async (site: FastifyInstance) => {
      site.addHook('onRoute', (route) => {
        const access: RouteAccess = { access: 'public' };
        route.config = { ...(route.config as object), ...access } as never;
      });
      site.addHook('onSend', async (_request, reply, payload) => {
        setConsoleHeaders(reply);
        return payload;
      });
      await site.register(fastifyStatic, {
        root: dir,
        prefix: '/',
        wildcard: true,
        index: false,
        cacheControl: false,
        setHeaders: (reply: FastifyReply, path: string) => {
          reply.header('Cache-Control', path.startsWith(join(dir, 'assets')) ? ASSET_CACHE : 'no-cache');
        },
      });
      const page = (_request: FastifyRequest, reply: FastifyReply) => reply.sendFile('index.html', dir);
      // `/console` and `/console/` (the prefix's default), the dashboard.
      site.get('/', { schema: { hide: true } }, page);
      site.setNotFoundHandler((request, reply) => {
        // A missing asset is a 404; any other path is a page of the app's own router.
        const path = request.url.split('?')[0];
        if (request.method !== 'GET' || path.startsWith(`${CONSOLE_PREFIX}/assets/`)) {
          return sendError(request, reply, new HoardError('not_found', `Nothing at ${path}`));
        }
        return page(request, reply);
      });
    },
    { prefix: CONSOLE_PREFIX },
  );
  return true;
}
