import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigFile } from './cli-config';

/** Writes the config file with mode 0600 (its directory 0700), atomically through a temporary name. */
export function writeConfigFile(path: string, content: ConfigFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}

/** The fields of the config file, or null when there is none (or it cannot be read as a JSON object). */
export function readConfigKeys(path: string): ConfigFile | null {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as ConfigFile) : null;
  } catch {
    return null;
  }
}

/** Sets fields of the config file, keeping the others it holds (a file that cannot be read is replaced). */
export function updateConfigFile(path: string, patch: ConfigFile): void {
  writeConfigFile(path, { ...(readConfigKeys(path) ?? {}), ...patch });
}
