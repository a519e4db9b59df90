import { readFileSync } from 'node:fs';
import { join } from 'node:path';

function readVersion(): string {
  // The build keeps the source layout, so package.json is four levels up from both src and dist.
  for (const up of ['../../..', '../../../..']) {
    try {
      return (JSON.parse(readFileSync(join(__dirname, up, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      // try the next layout
    }
  }
  return '0.0.0';
}

/** The version of this build, from package.json. */
export const SERVER_VERSION = readVersion();
