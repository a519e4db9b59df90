import { HoardError } from '@app/contracts';
import type { HoardClient } from '@app/client';
import { CliConfig } from './cli-config';
import { CLI_VERSION } from './cli-version';

export interface ClientOptions {
  /** Refuse to go on without an API key (default true). */
  needKey?: boolean;
  apiKey?: string;
  /** Bytes per second for content uploads. */
  limitRate?: number;
}

/** A client for the configured server; without a key (when one is needed) it says how to give one. */
export function createClient(config: CliConfig, options: ClientOptions = {}): HoardClient {
  const apiKey = options.apiKey ?? config.apiKey;
  if ((options.needKey ?? true) && !apiKey) {
    throw new HoardError('invalid_request', 'no API key is configured: run "hoard login", set HOARD_API_KEY or pass --api-key');
  }
  // Loaded on first use: the HTTP stack is the largest part of the CLI's start, and `scan` starts its walk first.
  const { HoardClient: Client } = require('@app/client') as typeof import('@app/client');
  return new Client({
    baseUrl: config.url,
    apiKey,
    retries: config.retries,
    userAgent: `hoard-cli/${CLI_VERSION}`,
    limitRate: options.limitRate,
  });
}
