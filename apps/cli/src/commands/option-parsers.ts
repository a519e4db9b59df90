import { InvalidArgumentError } from 'commander';

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
