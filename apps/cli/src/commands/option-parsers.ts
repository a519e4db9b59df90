import { type Command, InvalidArgumentError } from 'commander';
import { Scope, SCOPES } from '@app/contracts';

/** Parses a positive integer option. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

/** Collects a repeatable option; an environment value may hold several, separated by commas or newlines. */
export function collect(value: string, previous: string[] | undefined): string[] {
  const parts = value
    .split(/[\n,]/)
    .map((p) => p.trim())
    .filter(Boolean);
  return [...(previous ?? []), ...parts];
}

/**
 * Every value given to `flag` on the command line, in order (`--flag v` and `--flag=v`, up to a `--`). For an option
 * of a subcommand that the program takes too, wherever it appears (`--hostname`): commander hands the program only
 * the last value, and the subcommand none, so they are read from the command line as given.
 */
export function everyValueOf(cmd: Command, flag: string): string[] {
  let root = cmd;
  while (root.parent) root = root.parent;
  const args = (root as unknown as { rawArgs: string[] }).rawArgs;
  const values: string[] = [];
  for (let i = 0; i < args.length && args[i] !== '--'; i++) {
    if (args[i] === flag && i + 1 < args.length) values.push(args[++i]);
    else if (args[i].startsWith(`${flag}=`)) values.push(args[i].slice(flag.length + 1));
  }
  return values;
}

/** Collects scopes (repeatable, or comma-separated as in an environment value), each read, write or admin. */
export function scopeList(value: string, previous: Scope[] | undefined): Scope[] {
  const parts = collect(value, []);
  for (const part of parts) {
    if (!(SCOPES as string[]).includes(part)) throw new InvalidArgumentError(`"${part}" is not one of ${SCOPES.join(', ')}`);
  }
  return [...(previous ?? []), ...(parts as Scope[])];
}

/** Parses a time: an ISO time (`2026-03-01T12:00:00Z`), or a date (`2026-03-01`, midnight UTC). */
export function parseTime(value: string): Date {
  const time = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim()) ? new Date(value.trim()) : new Date(NaN);
  if (Number.isNaN(time.getTime()))
    throw new InvalidArgumentError('must be an ISO time such as 2026-03-01T12:00:00Z or a date such as 2026-03-01');
  return time;
}

/** Parses a byte rate or size: a number of bytes, or with a unit (`512k`, `10M`, `1.5G`; powers of 1024). */
export function byteSize(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?(\/s)?$/i.exec(value.trim());
  const n = m ? Math.floor(Number(m[1]) * 1024 ** ' kmgt'.indexOf((m[2] || ' ').toLowerCase())) : NaN;
  if (!(n >= 1)) throw new InvalidArgumentError('must be a number of bytes, e.g. 500000, 512k, 10M or 1G');
  return n;
}

/** One of `choices`. */
export function oneOf<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(choices as readonly string[]).includes(value)) throw new InvalidArgumentError(`must be one of ${choices.join(', ')}`);
    return value as T;
  };
}

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** Parses a duration as whole seconds: a number of seconds, or with a unit (`90s`, `15m`, `2h`, `7d`, `2w`). */
export function durationSeconds(value: string): number {
  const m = /^(\d+)\s*([smhdw]?)$/i.exec(value.trim());
  const seconds = m ? Number(m[1]) * DURATION_UNITS[(m[2] || 's').toLowerCase()] : NaN;
  if (!(seconds >= 1) || !Number.isSafeInteger(seconds))
    throw new InvalidArgumentError('must be a duration such as 3600, 90s, 15m, 2h or 7d');
  return seconds;
}

/** Collects `name=value` pairs (repeatable) into an object; names in lower case, as HTTP headers carry them. */
export function keyValue(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq < 1) throw new InvalidArgumentError('must be name=value');
  return { ...(previous ?? {}), [value.slice(0, eq).trim().toLowerCase()]: value.slice(eq + 1) };
}
