import { HoardError } from '@app/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isUtf8 } from 'node:buffer';
import sjson from 'secure-json-parse';
import type { RouteAccess } from '../auth/route-access';
import { TurnQueue } from './turn-queue';

/** Deepest nesting of arrays and objects a JSON body may have; the contract's deepest shape has 3 levels. */
export const MAX_JSON_DEPTH = 32;

/** Most members one JSON object may have; the contract's largest object has 12 (arrays may be longer). */
export const MAX_JSON_MEMBERS = 1_000;

export interface JsonBodyLimits {
  /** Largest body in bytes. */
  maxBytes: number;
  /** The whole body must have arrived within this many milliseconds of its first byte being awaited. */
  deadlineMs: number;
}

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

/** What one linear scan of a JSON text found wrong with its shape, before anything parses it. */
export type ShapeProblem = 'too_deep' | 'too_many_members' | null;

/**
 * Scans a JSON text once, skipping strings, and stops at the first container nested deeper than `maxDepth` or the
 * first object with more than `maxMembers` members: building either would cost the parser and the validator far
 * more than any request of the contract needs.
 */
export function jsonShapeProblem(bytes: Buffer, maxDepth = MAX_JSON_DEPTH, maxMembers = MAX_JSON_MEMBERS): ShapeProblem {
  const isObject = new Uint8Array(maxDepth + 2);
  const members = new Uint32Array(maxDepth + 2);
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) return 'too_deep';
      isObject[depth] = c === OPEN_BRACE ? 1 : 0;
      members[depth] = 1;
    } else if (c === COMMA) {
      if (depth > 0 && isObject[depth] === 1 && ++members[depth] > maxMembers) return 'too_many_members';
    } else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && depth > 0) depth--;
  }
  return null;
}

/**
 * Parses a complete JSON body: valid UTF-8, nested at most {@link MAX_JSON_DEPTH} deep, objects of at most
 * {@link MAX_JSON_MEMBERS} members. Keys that could poison a prototype (`__proto__`, `constructor.prototype`) are
 * removed, as every field the contract does not name is ignored.
 */
export function parseJsonBody(bytes: Buffer): unknown {
  if (bytes.length === 0) throw new HoardError('invalid_request', 'The body is empty; this route takes a JSON object');
  if (!isUtf8(bytes)) throw new HoardError('invalid_request', 'The body is not valid UTF-8 JSON');
  const problem = jsonShapeProblem(bytes);
  if (problem === 'too_deep') throw new HoardError('invalid_request', `The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`);
  if (problem === 'too_many_members') {
    throw new HoardError('invalid_request', `An object of the JSON body has more than ${MAX_JSON_MEMBERS} members`);
  }
  try {
    return sjson.parse(bytes.toString('utf8'), undefined, { protoAction: 'remove', constructorAction: 'remove' });
  } catch (err) {
    const reason = err instanceof Error ? err.message : 'unreadable';
    throw new HoardError('invalid_request', `The body is not valid JSON (${reason})`);
  }
}

function tooLarge(maxBytes: number): HoardError {
  return new HoardError('payload_too_large', `The JSON body is larger than the limit of ${maxBytes} bytes`, { details: { maxBytes } });
}

/**
 * Reads a JSON body within the size limit and the deadline, then parses it on its turn. A body whose client went
 * away before its end (the connection closed: `aborted`) is an interrupted request, not a failure of the server.
 */
export function readJson(
  payload: NodeJS.ReadableStream,
  declared: number | undefined,
  limits: JsonBodyLimits,
  turns: TurnQueue,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (declared !== undefined && declared > limits.maxBytes) return reject(tooLarge(limits.maxBytes));
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (err: Error | null, value?: unknown) => {
      clearTimeout(timer);
      payload.removeListener('data', onData);
      payload.removeListener('end', onEnd);
      payload.removeListener('error', onError);
      if (err) {
        payload.pause();
        reject(err);
      } else resolve(value);
    };
    const timer = setTimeout(
      () => finish(new HoardError('request_timeout', `The JSON body did not arrive within ${limits.deadlineMs / 1000} s`)),
      limits.deadlineMs,
    );
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) return finish(tooLarge(limits.maxBytes));
      chunks.push(chunk);
    };
    const onEnd = () => {
      clearTimeout(timer);
      turns
        .run(() => parseJsonBody(Buffer.concat(chunks, size)))
        .then(
          (value) => finish(null, value),
          (err: Error) => finish(err),
        );
    };
    const onError = (err: Error) => finish(new HoardError('invalid_request', 'The JSON body ended before it was complete', { cause: err }));
    payload.on('data', onData);
    payload.once('end', onEnd);
    payload.once('error', onError);
  });
}

/**
 * Our JSON parser replaces Fastify's: the size limit, a deadline for the whole body, a bounded nesting depth and
 * prototype-poisoning protection, all before any schema sees the value. On routes whose body is content, a JSON
 * content type is bytes like any other and is left unread.
 */
export function registerJsonBodyParser(fastify: FastifyInstance, limits: JsonBodyLimits): void {
  // The parse, the validation and the handler's first synchronous work of one body run in one turn of the loop.
  const turns = new TurnQueue();
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', (request: FastifyRequest, payload, done) => {
    if ((request.routeOptions.config as Partial<RouteAccess> | undefined)?.upload) return done(null, payload);
    const header = request.headers['content-length'];
    const declared = header === undefined ? undefined : Number(header);
    readJson(payload, declared, limits, turns).then(
      (value) => done(null, value),
      (err: Error) => done(err),
    );
  });
}
