import { applyDecorators } from '@nestjs/common';
import { RouteConfig, RouteSchema } from '@nestjs/platform-fastify';
import { ERROR_STATUS, ErrorBodySchema, ErrorCode } from '@app/contracts';
import type { TSchema } from '@sinclair/typebox';
import type { Access, RouteAccess, UploadKind } from '../auth/route-access';

/** A documented answer: its schema (JSON) or its media types, its headers. */
export interface ResponseDoc {
  description: string;
  schema?: TSchema;
  /** Media types of a body that is not JSON (e.g. `application/octet-stream`). */
  content?: Record<string, { schema: object }>;
  headers?: Record<string, object>;
}

/** Everything a route says about itself: who may call it, what it takes and every answer it gives. */
export interface EndpointSpec {
  access: Access;
  tag: string;
  summary: string;
  description?: string;
  params?: TSchema;
  querystring?: TSchema;
  /** A JSON body, validated strictly before the handler runs. */
  body?: TSchema;
  /** A body that is content: never parsed; streamed to the handler. Documented with these media types. */
  upload?: { kind: UploadKind; content: Record<string, { schema: object }>; optional?: boolean };
  /** Success answers by status. */
  responses: Record<number, ResponseDoc>;
  /** Error statuses this route answers besides the ones every route of its kind answers. */
  errors?: number[];
  /** Other names a JSON body's fields may arrive under (`{"file_size": "size"}`), renamed before validation. */
  bodyAliases?: Record<string, string>;
  /** Answers even when the server sheds load (liveness and readiness probes). */
  exemptFromPressure?: boolean;
  /** Takes a login token as `?access_token=` (its query schema must have that field). */
  tokenInQuery?: boolean;
}

const CODES_BY_STATUS = new Map<number, ErrorCode[]>();
for (const [code, status] of Object.entries(ERROR_STATUS) as Array<[ErrorCode, number]>) {
  CODES_BY_STATUS.set(status, [...(CODES_BY_STATUS.get(status) ?? []), code]);
}

/** The error statuses of a route: its own plus those its access and body make possible. */
function errorStatuses(spec: EndpointSpec): number[] {
  const statuses = new Set<number>([400, 431, 500, 503, ...(spec.errors ?? [])]);
  if (spec.access !== 'public') [401, 429].forEach((s) => statuses.add(s));
  if (spec.access !== 'public' && spec.access !== 'any') statuses.add(403);
  if (spec.body || spec.upload) [408, 413].forEach((s) => statuses.add(s));
  // An upload may meet a full store (507), the upload caps (429 per key, 503 in all) or a store not answering.
  if (spec.upload) [429, 503, 507].forEach((s) => statuses.add(s));
  return [...statuses].sort((a, b) => a - b);
}

function errorDoc(status: number): object {
  const codes = CODES_BY_STATUS.get(status) ?? ['internal_error'];
  return {
    description: `Error: ${codes.join(', ')}`,
    content: { 'application/json': { schema: ErrorBodySchema } },
    ...(status === 429 || status === 503
      ? { headers: { 'Retry-After': { type: 'integer', minimum: 0, description: 'Seconds to wait' } } }
      : {}),
  };
}

function successDoc(doc: ResponseDoc): object {
  const content = doc.content ?? (doc.schema ? { 'application/json': { schema: doc.schema } } : undefined);
  return { description: doc.description, ...(content ? { content } : { type: 'null' }), ...(doc.headers ? { headers: doc.headers } : {}) };
}

/**
 * Declares a route once for every reader: its access (enforced before the body is read), the JSON Schemas Fastify
 * validates its parameters, query and body with, and the documented answers @fastify/swagger publishes in
 * /openapi.json.
 */
export function Endpoint(spec: EndpointSpec): MethodDecorator {
  const response: Record<string, object> = {};
  for (const [status, doc] of Object.entries(spec.responses)) response[status] = successDoc(doc);
  for (const status of errorStatuses(spec)) response[String(status)] = errorDoc(status);
  const secured = spec.access !== 'public';
  const schema: Record<string, unknown> = {
    tags: [spec.tag],
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    ...(spec.params ? { params: spec.params } : {}),
    ...(spec.querystring ? { querystring: spec.querystring } : {}),
    ...(spec.body ? { body: spec.body } : {}),
    ...(spec.upload ? { 'x-upload-body': spec.upload.content } : {}),
    ...(spec.upload?.optional ? { 'x-upload-optional': true } : {}),
    security: secured ? [{ 'api-key': [] }, { bearer: [] }] : [],
    response,
  };
  const config: RouteAccess = {
    access: spec.access,
    ...(spec.upload ? { upload: spec.upload.kind } : {}),
    ...(spec.exemptFromPressure ? { exemptFromPressure: true } : {}),
    ...(spec.tokenInQuery ? { tokenInQuery: true } : {}),
    ...(spec.bodyAliases ? { bodyAliases: spec.bodyAliases } : {}),
  };
  return applyDecorators(RouteSchema(schema as never), RouteConfig(config));
}
