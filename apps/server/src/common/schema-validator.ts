import Ajv, { type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { pruner } from './unknown-fields';
import { validationError, type RequestPart } from './validation-errors';

/** Items checked per array when a failure's details are collected: one past the largest `maxItems` of the contract. */
const DETAIL_ITEMS = 10_001;

function ajvWith(options: Options): Ajv {
  const ajv = new Ajv({ strict: false, useDefaults: true, ...options });
  addFormats(ajv);
  // The sentence a client reads when a pattern fails (see libs/contracts schemas): an annotation, no rule.
  ajv.addKeyword({ keyword: 'x-error', schemaType: 'string' });
  return ajv;
}

/** Bodies are taken as sent: a string is never a number. Query strings and path parameters are text: coerced. */
const first = { strict: ajvWith({ coerceTypes: false }), coercing: ajvWith({ coerceTypes: true }) };
/** The second pass, over a failed value only: every error, with the schema that raised it. */
const detail = {
  strict: ajvWith({ coerceTypes: false, allErrors: true, verbose: true }),
  coercing: ajvWith({ coerceTypes: true, allErrors: true, verbose: true }),
};

/** The same value with every array cut to `DETAIL_ITEMS` entries, copying only what changes. */
function boundArrays(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.length > DETAIL_ITEMS ? value.slice(0, DETAIL_ITEMS) : value;
    let changed = items !== value;
    const out = items.map((item) => {
      const bounded = boundArrays(item);
      if (bounded !== item) changed = true;
      return bounded;
    });
    return changed ? out : value;
  }
  if (value === null || typeof value !== 'object') return value;
  let copy: Record<string, unknown> | null = null;
  for (const key of Object.keys(value)) {
    const child = (value as Record<string, unknown>)[key];
    const bounded = boundArrays(child);
    if (bounded !== child) (copy ??= { ...(value as Record<string, unknown>) })[key] = bounded;
  }
  return copy ?? value;
}

/**
 * Compiles a route's schema for one part of the request. Fields the schema does not declare are dropped first (see
 * {@link pruner}). The first pass stops at the first error, so a valid or invalid value costs one linear walk
 * whatever its size; only a failure is walked again, with arrays bounded, to name its fields (at most 20 reach the
 * client).
 */
export function compileValidator(schema: object, httpPart: RequestPart): (data: unknown) => boolean | { error: Error } {
  const kind = httpPart === 'body' ? 'strict' : 'coercing';
  const prune = pruner(schema);
  const quick = first[kind].compile(schema);
  let full: ValidateFunction | null = null;
  return (data) => {
    prune(data);
    if (quick(data)) return true;
    full ??= detail[kind].compile(schema);
    const bounded = boundArrays(data);
    full(bounded);
    const errors = (full.errors ?? quick.errors ?? []) as ErrorObject[];
    return { error: validationError(errors, httpPart) };
  };
}

/** Fastify's validator compiler: {@link compileValidator} for every part of every route. */
export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  compileValidator(schema, (httpPart ?? 'body') as RequestPart) as never;
