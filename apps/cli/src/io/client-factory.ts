import { HoardError } from '@app/contracts';
import type { HoardClient } from '@app/client';
import { CliConfig } from './cli-config';

/** The CLI's version, sent in the User-Agent. */
export const CLI_VERSION = '0.1.0';

/** Retries of transient failures: `HOARD_RETRIES`, default 6 (up to about 12 s of backoff, enough for a server restart). */
export function retriesFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.HOARD_RETRIES);
  return env.HOARD_RETRIES !== undefined && Number.isInteger(n) && n >= 0 ? n : 6;
}

/** A client for the configured server; `needKey` refuses to go on without an API key. */
export function createClient(config: CliConfig, needKey = true, apiKey = config.apiKey): HoardClient {
  if (needKey && !apiKey) {
    throw new HoardError('unauthorized', 'no API key: pass --api-key, set HOARD_API_KEY or run "hoard login"');
  }
  // Loaded on first use: the HTTP stack is the largest part of the CLI's start, and `scan` starts its walk first.
  const { HoardClient: Client } = require('@app/client') as typeof import('@app/client');
  return new Client({
    baseUrl: config.url,
    apiKey,
    retries: retriesFromEnv(),
    userAgent: `hoard-cli/${CLI_VERSION}`,
  });
}
