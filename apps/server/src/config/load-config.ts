import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { AppConfig } from './app-config';

/** Variables whose value is never repeated in an error message. */
const SECRETS = new Set(['HOARD_BOOTSTRAP_ADMIN_KEY', 'HOARD_METRICS_KEY']);

/** Thrown when the environment does not validate; its message names every bad variable. */
export class ConfigError extends Error {}

/**
 * Builds the config from an environment (only the variables it knows; empty strings count as unset).
 * @throws ConfigError naming each bad variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const known = Object.keys(new AppConfig()).concat([
    'HOARD_BOOTSTRAP_ADMIN_KEY',
    'HOARD_METRICS_KEY',
    'HOARD_METRICS_PORT',
    'MONGODB_URI',
    'S3_BUCKET',
    'S3_ENDPOINT',
    'S3_REGION',
    'HOARD_PRUNE_SCHEDULE',
    'HOARD_GC_SCHEDULE',
    'HOARD_SCRUB_SCHEDULE',
  ]);
  const plain: Record<string, string> = {};
  for (const name of new Set(known)) {
    const value = env[name];
    if (value !== undefined && value !== '') plain[name] = value;
  }
  const config = plainToInstance(AppConfig, plain);
  const errors = validateSync(config, { forbidUnknownValues: false });
  if (errors.length === 0 && config.HOARD_METRICS_PORT !== undefined && config.HOARD_METRICS_PORT === config.PORT) {
    throw new ConfigError(`Invalid configuration:\n  HOARD_METRICS_PORT (got "${config.HOARD_METRICS_PORT}"): must differ from PORT`);
  }
  if (errors.length === 0 && config.HOARD_JOB_RENEW_SECONDS >= config.HOARD_JOB_LEASE_SECONDS) {
    throw new ConfigError(
      `Invalid configuration:\n  HOARD_JOB_RENEW_SECONDS (got "${config.HOARD_JOB_RENEW_SECONDS}"): must be less than HOARD_JOB_LEASE_SECONDS (${config.HOARD_JOB_LEASE_SECONDS})`,
    );
  }
  if (errors.length > 0) {
    const lines = errors.map((e) => {
      const shown = SECRETS.has(e.property) || e.value === undefined ? '' : ` (got "${String(e.value)}")`;
      return `  ${e.property}${shown}: ${Object.values(e.constraints ?? {}).join('; ')}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return config;
}
