import type { AuditTarget } from '@app/metadata';
import { MAX_AUDIT_TARGETS } from '@app/metadata';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The targets of one request: at most {@link MAX_AUDIT_TARGETS} kept, every one counted. */
export interface AuditTargets {
  targets: AuditTarget[];
  count: number;
}

type Fields = Record<string, unknown>;

const isFields = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);

/** Collects targets up to the cap, counting every one. */
class TargetList implements AuditTargets {
  readonly targets: AuditTarget[] = [];
  count = 0;

  add(target: AuditTarget | undefined): void {
    if (!target) return;
    this.count++;
    if (this.targets.length < MAX_AUDIT_TARGETS) this.targets.push(target);
  }

  sha256(value: unknown): void {
    const digest = text(value);
    if (digest) this.add({ sha256: digest.toLowerCase() });
  }

  path(hostname: unknown, filepath: unknown): void {
    const host = text(hostname);
    const path = text(filepath);
    if (host && path) this.add({ hostname: host, filepath: path });
  }

  object(bucket: unknown, key: unknown): void {
    const name = text(bucket);
    const objectKey = text(key);
    if (name && objectKey) this.add({ bucket: name, key: objectKey });
  }

  /**
   * File records: each one's path and content. Kept first under the cap: one path of each host (what a filter by host
   * finds), then every digest (what a filter by content finds), then the other paths. A batch of 1,000 records names
   * 2,000 targets; so ordered, all its digests but at most one are kept, rather than the first 500 records' targets.
   */
  records(records: unknown[]): void {
    const files = records.filter(isFields);
    const firstOfHost = new Map<unknown, Fields>();
    for (const file of files) if (!firstOfHost.has(file.hostname)) firstOfHost.set(file.hostname, file);
    const first = new Set(firstOfHost.values());
    for (const file of first) this.path(file.hostname, file.filepath);
    for (const file of files) this.sha256(file.sha256);
    for (const file of files) if (!first.has(file)) this.path(file.hostname, file.filepath);
  }
}

/** Targets a handler found while it worked, that its request does not name (a record deleted by id: its path and content). */
const noted = new WeakMap<FastifyRequest, AuditTarget[]>();

/** Notes what a request acted on, for its audit entry, when neither the request nor its answer says it. */
export function noteAuditTargets(request: FastifyRequest, targets: AuditTarget[]): void {
  noted.set(request, [...(noted.get(request) ?? []), ...targets]);
}

/** The JSON an answer carries, when it is a small JSON text (what a creation answers: the new key's id, an object). */
function answerOf(payload: unknown): Fields {
  if (typeof payload !== 'string' || payload.length > 1_000_000 || !payload.startsWith('{')) return {};
  try {
    const parsed: unknown = JSON.parse(payload);
    return isFields(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

/**
 * What an audited request acted on: what its handler noted ({@link noteAuditTargets}), what the request named (route
 * parameters, query, JSON body) and, for creations, its answer (`payload`, when the answer is JSON text: the new
 * key's id, the object version, the pack's digests). Never a secret: only ids, digests, paths and names.
 */
export function targetsOf(action: string, request: FastifyRequest, reply: FastifyReply, payload: unknown): AuditTargets {
  const list = new TargetList();
  const params = isFields(request.params) ? request.params : {};
  const query = isFields(request.query) ? request.query : {};
  const body = isFields(request.body) ? request.body : {};
  for (const target of noted.get(request) ?? []) list.add(target);
  switch (action) {
    case 'blob.put':
    case 'blob.get':
    case 'blob.takedown':
    case 'blob.reinstate':
      list.sha256(params.sha256);
      list.path(query.hostname, query.filepath);
      break;
    case 'blob.pack': {
      const items = answerOf(payload).items;
      if (Array.isArray(items)) for (const item of items) if (isFields(item)) list.sha256(item.sha256);
      break;
    }
    case 'files.record':
      list.records(Array.isArray(body.files) ? body.files : [body]);
      break;
    case 'files.delete':
      if (Array.isArray(body.filepaths)) for (const filepath of body.filepaths) list.path(body.hostname, filepath);
      list.path(query.hostname, query.path_prefix);
      break;
    case 'files.content':
      list.path(query.hostname, query.filepath);
      list.sha256(reply.getHeader('x-hoard-sha256'));
      break;
    case 'object.put':
    case 'object.get':
    case 'object.delete': {
      const answer = answerOf(payload);
      list.object(params.bucket, params['*'] ?? query.prefix ?? answer.key);
      list.sha256(answer.sha256 ?? reply.getHeader('x-hoard-sha256'));
      break;
    }
    case 'upload.create':
    case 'upload.write':
      // tus answers on the raw response: what the upload became is in its headers there.
      list.sha256(reply.getHeader('x-hoard-sha256') ?? reply.raw.getHeader('x-hoard-sha256'));
      break;
    case 'key.create':
      if (text(answerOf(payload).id)) list.add({ key_id: answerOf(payload).id as string });
      break;
    case 'key.revoke':
    case 'key.delete':
      if (text(params.id)) list.add({ key_id: params.id as string });
      break;
  }
  return list;
}
