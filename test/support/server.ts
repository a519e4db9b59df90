import { HoardServerOptions, RunningHoardServer, startHoardServer } from './test-servers';
import { loadDocument } from './openapi';

export { SERVER_MAIN, freePort, tempDir } from './test-servers';

/** A Hoard server process started from the build, on a free loopback port. */
export type RunningServer = RunningHoardServer;

export interface StartOptions extends Pick<HoardServerOptions, 'env' | 'dataDir' | 'port' | 'wrap'> {
  /** Wait for /ready rather than /health (default true). */
  waitReady?: boolean;
}

/**
 * Environment for a server whose specs look at (or damage) loose blob files on disk, `<data>/blobs/<sha[0:2]>/<sha>`:
 * no content is packed, whatever its size.
 */
export const LOOSE_BLOBS: Readonly<Record<string, string>> = { HOARD_PACK_THRESHOLD: '0' };

/** Starts `node dist/apps/server/src/main.js`, waits until it answers and loads its OpenAPI document. */
export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const { waitReady, ...rest } = options;
  // Shedding on event-loop delay is off unless a spec asks for it: on a machine busy with other work, a start-up
  // stall of the server's loop would otherwise answer a spec's first requests 503 (the heap check stays on).
  const env = { HOARD_MAX_EVENT_LOOP_DELAY_MS: '0', ...rest.env };
  const server = await startHoardServer({ ...rest, env, waitPath: waitReady === false ? '/health' : '/ready' });
  // A server started to shed load may refuse the document; its checked calls then say so themselves.
  await loadDocument(server.url).catch(() => undefined);
  return server;
}
