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

/** Sets fields of the config file, keeping the others it holds. */
export function updateConfigFile(path: string, patch: ConfigFile): void {
  let current: ConfigFile = {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) current = parsed as ConfigFile;
  } catch {
    // no file yet, or one that cannot be read: it is replaced
  }
  writeConfigFile(path, { ...current, ...patch });
}
