import { existsSync, readFileSync } from 'node:fs';
import { homedir, hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { HoardError } from '@app/contracts';

/** Settings every command may need, after precedence was applied. */
export interface CliConfig {
  url: string;
  apiKey: string | undefined;
  hostname: string;
  /** The hostname named by `--hostname` or `HOARD_HOSTNAME`, if any (a filter for listings: no file, no default). */
  namedHostname: string | undefined;
  cacheDir: string;
  /** The config file that was read or would be written. */
  configFile: string;
  /** Retries of transient failures: `HOARD_RETRIES`, default 6 (up to about 12 s of backoff, enough for a server restart). */
  retries: number;
  /** How the scan lists directories: `native` (the C helper, when built) or `js` (through fs), from `HOARD_WALKER`. */
  walker: 'native' | 'js';
}

/** Global flags as commander parsed them. */
export interface ConfigFlags {
  url?: string;
  apiKey?: string;
  hostname?: string;
  config?: string;
  cacheDir?: string;
}

/** The saved config file's shape. */
export interface ConfigFile {
  url?: string;
  api_key?: string;
  hostname?: string;
  cache_dir?: string;
}

export const DEFAULT_URL = 'http://localhost:8000';

/** Where the config file lives: `--config`, `HOARD_CONFIG`, else `$XDG_CONFIG_HOME/hoard/config.json`. */
export function configFilePath(flags: ConfigFlags, env: NodeJS.ProcessEnv = process.env): string {
  if (flags.config) return flags.config;
  if (env.HOARD_CONFIG) return env.HOARD_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'hoard', 'config.json');
}

/**
 * Resolves the configuration: flags, then environment (`HOARD_URL`, `HOARD_API_KEY`, `HOARD_HOSTNAME`,
 * `HOARD_CACHE_DIR`), then the config file, then defaults; `HOARD_RETRIES` and `HOARD_WALKER` come from the
 * environment only. An explicitly named config file must exist. The one place the CLI reads its environment (besides
 * the options' own environment variables, which commander reads).
 * @throws HoardError `invalid_request` for a missing named file or a file that is not valid JSON.
 */
export function resolveConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv = process.env): CliConfig {
  const configFile = configFilePath(flags, env);
  const explicit = Boolean(flags.config || env.HOARD_CONFIG);
  const file = readConfigFile(configFile, explicit);
  const home = env.HOME || homedir();
  const namedHostname = flags.hostname || env.HOARD_HOSTNAME || undefined;
  return {
    url: (flags.url || env.HOARD_URL || file.url || DEFAULT_URL).replace(/\/+$/, ''),
    apiKey: flags.apiKey || env.HOARD_API_KEY || file.api_key || undefined,
    hostname: namedHostname || file.hostname || osHostname(),
    namedHostname,
    cacheDir: flags.cacheDir || env.HOARD_CACHE_DIR || file.cache_dir || join(env.XDG_CACHE_HOME || join(home, '.cache'), 'hoard'),
    configFile,
    retries: retriesOf(env.HOARD_RETRIES),
    walker: env.HOARD_WALKER === 'js' ? 'js' : 'native',
  };
}

function retriesOf(value: string | undefined): number {
  const n = Number(value);
  return value !== undefined && Number.isInteger(n) && n >= 0 ? n : 6;
}

function readConfigFile(path: string, mustExist: boolean): ConfigFile {
  if (!existsSync(path)) {
    if (mustExist) throw new HoardError('invalid_request', `config file ${path} does not exist`);
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new HoardError('invalid_request', `config file ${path} is not valid JSON`, { cause: err });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new HoardError('invalid_request', `config file ${path} must hold a JSON object`);
  }
  const out: ConfigFile = {};
  for (const name of ['url', 'api_key', 'hostname', 'cache_dir'] as const) {
    const value = (parsed as Record<string, unknown>)[name];
    if (typeof value === 'string' && value !== '') out[name] = value;
  }
  return out;
}
