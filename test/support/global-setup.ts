import { accessSync, constants, existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CHROMIUM } from './browser';
import { preparePutPlaceClient } from './putplace-client';
import { prepareFerretDb, prepareMinio } from './test-servers';

/**
 * Runs once before the e2e specs: checks the server build exists and locates (building or installing once if
 * needed) the real MongoDB-compatible and S3 servers and PutPlace's published client. Their paths are passed to the
 * specs through the environment; a spec whose program is missing is skipped loudly, and with
 * HOARD_TEST_REQUIRE_SERVERS=1 (CI) a missing one fails the run.
 */
export default async function globalSetup(): Promise<void> {
  const main = join(__dirname, '..', '..', 'dist', 'apps', 'server', 'src', 'main.js');
  if (!existsSync(main)) throw new Error(`server build not found at ${main}: run "npm run build" first`);
  const required = process.env.HOARD_TEST_REQUIRE_SERVERS === '1';
  const found: Array<[string, string, string | null]> = [
    ['MongoDB-compatible (FerretDB)', 'HOARD_TEST_FERRETDB_BIN', await prepareFerretDb()],
    ['S3 (MinIO)', 'HOARD_TEST_MINIO_BIN', await prepareMinio()],
    ["PutPlace's client (putplace-client, Python)", 'HOARD_TEST_PPCLIENT_BIN', await preparePutPlaceClient()],
    ["Chromium (the console's browser specs)", 'HOARD_TEST_CHROMIUM_BIN', findChromium()],
  ];
  const missing: string[] = [];
  for (const [name, variable, bin] of found) {
    if (bin) process.env[variable] = bin;
    else missing.push(name);
  }
  if (missing.length === 0) return;
  const banner = `\n${'!'.repeat(78)}\n!! ${missing.join(' and ')} not available: those suites are SKIPPED.\n!! See test/support/README.md to build them.\n${'!'.repeat(78)}\n`;
  if (required) throw new Error(`HOARD_TEST_REQUIRE_SERVERS=1 but ${missing.join(' and ')} could not be had`);
  process.stderr.write(banner);
}

/** Debian's Chromium (or HOARD_TEST_CHROMIUM), when it can be run; null otherwise. */
function findChromium(): string | null {
  const bin = process.env.HOARD_TEST_CHROMIUM || DEFAULT_CHROMIUM;
  try {
    accessSync(bin, constants.X_OK);
    return bin;
  } catch {
    return null;
  }
}
