import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import type { AuthedRequest } from '../auth/access-control';
import { lengthOf } from '../logging/request-summary';
import { auditActionOf, AUTH_REFUSED } from './audit-actions';
import { targetsOf } from './audit-targets';
import type { AuditDraft, AuditService } from './audit.service';

/** The requests whose entry is recorded (or that need none): each is recorded once. */
const recorded = new WeakSet<FastifyRequest>();

/** Routes whose answer tus writes on the raw response (the reply is hijacked: no `onSend`). */
const HIJACKED = new Set(['/api/v1/uploads', '/api/v1/uploads/:id']);

/** The entry of an answered request. */
function draftOf(request: AuthedRequest, reply: FastifyReply, action: string, status: number, payload: unknown): AuditDraft {
  const { targets, count } = action === AUTH_REFUSED ? { targets: [], count: 0 } : targetsOf(action, request, reply, payload);
  const reading = request.method === 'GET';
  return {
    at: new Date(),
    request_id: String(request.id),
    key_id: request.apiKey?.id ?? null,
    key_name: request.apiKey?.name ?? null,
    ip: request.ip,
    action,
    status,
    bytes: reading ? lengthOf(reply.getHeader('content-length')) : lengthOf(request.headers['content-length']),
    targets,
    count,
  };
}

/**
 * Audits every request that changes state or reads content, and every refused key: its entry is written before
 * its answer is sent (`onSend` waits for the entry's group commit). A tus answer, written by tus on the raw response,
 * is held at its end until its entry is written. A failed audit write is logged and the answer goes (see
 * {@link AuditService}).
 */
export function registerAuditHooks(fastify: FastifyInstance, audit: AuditService): void {
  if (!audit.enabled) return;
  const record = async (request: FastifyRequest, reply: FastifyReply, status: number, payload: unknown) => {
    if (recorded.has(request)) return;
    recorded.add(request);
    const action = auditActionOf(request.method, request.routeOptions?.url, status);
    if (action === null) return;
    try {
      await audit.record(draftOf(request, reply, action, status, payload));
    } catch (error) {
      request.log.error({ err: error }, 'the audit entry of this request was not written yet');
    }
  };
  fastify.addHook('onSend', async (request, reply, payload) => {
    if (!(payload instanceof Readable)) {
      await record(request, reply, reply.statusCode, payload);
      return payload;
    }
    // A streamed answer may fail while its entry is written (a packed entry found corrupt fails before its first
    // byte), before anything listens to it: its error is heard here meanwhile (unheard, it would end the process),
    // and answered as the handler's own error would have been, the response not yet begun.
    const heard = () => undefined;
    payload.on('error', heard);
    try {
      await record(request, reply, reply.statusCode, payload);
    } finally {
      payload.off('error', heard);
    }
    if (payload.errored) throw payload.errored;
    return payload;
  });
  fastify.addHook('onRequest', async (request, reply) => {
    if (!HIJACKED.has(request.routeOptions?.url ?? '')) return;
    const raw = reply.raw;
    const end = raw.end;
    raw.end = function (this: typeof raw, ...args: unknown[]) {
      if (recorded.has(request)) return end.apply(this, args as never);
      void record(request, reply, raw.statusCode, undefined).finally(() => end.apply(this, args as never));
      return this;
    } as typeof raw.end;
  });
}
