import { HoardError, SHA256_PATTERN } from '@app/contracts';
import type { ErrorObject } from 'ajv';

/** The parts of a request Fastify validates. */
export type RequestPart = 'body' | 'querystring' | 'params' | 'headers';

/** At most this many fields are named in `details.fields`; `details.more` counts the rest. */
export const MAX_FIELDS = 20;

export interface FieldError {
  field: string;
  errors: string[];
}

const ROOT: Record<RequestPart, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'headers' };

const TYPE_NAMES: Record<string, string> = {
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

function fieldOf(e: ErrorObject, part: RequestPart): string {
  const path = e.instancePath.split('/').filter(Boolean).join('.');
  const missing = e.keyword === 'required' ? String(e.params.missingProperty) : '';
  if (missing) return path ? `${path}.${missing}` : missing;
  const unknown = e.keyword === 'additionalProperties' ? String(e.params.additionalProperty) : '';
  if (unknown) return path ? `${path}.${unknown}` : unknown;
  return path || ROOT[part];
}

function isDigestError(e: ErrorObject): boolean {
  return e.keyword !== 'required' && (e.parentSchema as { pattern?: string } | undefined)?.pattern === SHA256_PATTERN;
}

function messageOf(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  const custom = (e.parentSchema as Record<string, unknown> | undefined)?.['x-error'];
  switch (e.keyword) {
    case 'required':
      return 'is required';
    case 'type': {
      const types = String(p.type).split(',');
      return `must be ${types.map((t) => TYPE_NAMES[t] ?? t).join(' or ')}`;
    }
    case 'pattern':
      return typeof custom === 'string' ? custom : `must match ${String(p.pattern)}`;
    case 'format':
      return p.format === 'date-time'
        ? 'must be an ISO-8601 date and time (e.g. 2030-01-31T00:00:00Z)'
        : `must be a valid ${String(p.format)}`;
    case 'minLength':
      if (typeof custom === 'string' && isDigestError(e)) return custom;
      return p.limit === 1 ? 'must not be empty' : `must be at least ${String(p.limit)} characters long`;
    case 'maxLength':
      if (typeof custom === 'string' && isDigestError(e)) return custom;
      return `must be at most ${String(p.limit)} characters long`;
    case 'minItems':
      return `must have at least ${String(p.limit)} item${p.limit === 1 ? '' : 's'}`;
    case 'maxItems':
      return `must have at most ${String(p.limit)} items`;
    case 'minimum':
      return `must be at least ${String(p.limit)}`;
    case 'maximum':
      return `must be at most ${String(p.limit)}`;
    case 'enum':
      return `must be one of: ${(p.allowedValues as unknown[]).join(', ')}`;
    case 'const':
      return typeof custom === 'string' ? custom : `must be ${JSON.stringify(p.allowedValue)}`;
    case 'not':
      return typeof custom === 'string' ? custom : 'is not allowed here';
    case 'additionalProperties':
      return 'is not a known field';
    default:
      return e.message ?? `fails ${e.keyword}`;
  }
}

/**
 * The one translator from a schema's errors to the contract's error: `invalid_digest` when only digests are wrong,
 * `validation_failed` otherwise, naming each field (`files.3.size`, with its index in batches) in plain words.
 */
export function validationError(errors: ErrorObject[], part: RequestPart): HoardError {
  const byField = new Map<string, string[]>();
  let digestsOnly = errors.length > 0;
  for (const e of errors) {
    if (e.keyword === 'anyOf' || e.keyword === 'if') continue;
    const field = fieldOf(e, part);
    const digest = isDigestError(e);
    if (!digest) digestsOnly = false;
    const text = digest ? 'must be a SHA-256 digest (64 hexadecimal characters)' : messageOf(e);
    const list = byField.get(field) ?? [];
    const line = `${field} ${text}`;
    if (!list.includes(line)) list.push(line);
    byField.set(field, list);
  }
  const all: FieldError[] = [...byField].map(([field, list]) => ({ field, errors: list }));
  return fieldsFailed(all, digestsOnly ? 'invalid_digest' : 'validation_failed');
}

/**
 * The contract's error for fields that break a rule: the first {@link MAX_FIELDS} named in `details.fields`
 * (each message starting with its field's name), `details.more` counting the rest. Schema checks and the rules
 * services check beyond the schema (record sizes, symlinks) answer alike.
 */
export function fieldsFailed(problems: FieldError[], code: 'validation_failed' | 'invalid_digest' = 'validation_failed'): HoardError {
  const fields = problems.slice(0, MAX_FIELDS);
  const summary = fields
    .slice(0, 5)
    .map((f) => f.errors[0])
    .join('; ');
  const details: Record<string, unknown> = { fields };
  if (problems.length > MAX_FIELDS) details.more = problems.length - MAX_FIELDS;
  return new HoardError(code, summary || 'The request is not valid', { details });
}
