import { InvalidArgumentError } from 'commander';
import { Scope, SCOPES } from '@app/contracts';

/** Parses a positive integer option. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

/** Collects a repeatable option; an environment value may hold several, separated by commas or newlines. */
export function collect(value: string, previous: string[] | undefined): string[] {
  const parts = value.split(/[\n,]/).map((p) => p.trim()).filter(Boolean);
  return [...(previous ?? []), ...parts];
}

/** Collects scopes (repeatable, or comma-separated as in an environment value), each read, write or admin. */
export function scopeList(value: string, previous: Scope[] | undefined): Scope[] {
  const parts = collect(value, []);
  for (const part of parts) {
    if (!(SCOPES as string[]).includes(part)) throw new InvalidArgumentError(`"${part}" is not one of ${SCOPES.join(', ')}`);
  }
  return [...(previous ?? []), ...(parts as Scope[])];
}
