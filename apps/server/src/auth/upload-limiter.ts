import { HoardError } from '@app/contracts';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { sendError } from '../common/error-mapping';
import { AuthedRequest, routeAccess } from './access-control';

/** Seconds a client refused for the upload cap is told to wait. */
const RETRY_AFTER_SECONDS = 2;

export interface UploadCaps {
  /** Uploads (PUT, pack, PutPlace upload) in flight at once, all keys together. */
  global: number;
  /** Uploads in flight at once for one key. */
  perKey: number;
}

/**
 * Caps the uploads in flight, globally (`503`) and per key (`429`), with `Retry-After`, before a byte of the body is
 * read: each holds a socket, a temporary file and its share of the disk's bandwidth until its response closes.
 */
export class UploadLimiter {
  private inFlight = 0;
  private readonly byKey = new Map<string, number>();

  constructor(private readonly caps: UploadCaps) {}

  /** Takes a slot for this key, or says which cap refuses it. */
  take(keyId: string): HoardError | (() => void) {
    const mine = this.byKey.get(keyId) ?? 0;
    if (mine >= this.caps.perKey) {
      return new HoardError('rate_limited', `This key already has ${this.caps.perKey} uploads in flight; retry when one is done`);
    }
    if (this.inFlight >= this.caps.global) {
      return new HoardError('unavailable', `The server already has ${this.caps.global} uploads in flight; retry shortly`);
    }
    this.inFlight++;
    this.byKey.set(keyId, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight--;
      const left = (this.byKey.get(keyId) ?? 1) - 1;
      if (left > 0) this.byKey.set(keyId, left);
      else this.byKey.delete(keyId);
    };
  }

  /** Applies the caps to every content route, after the key is known and before the body is parsed. */
  register(fastify: FastifyInstance): void {
    fastify.addHook('preParsing', async (request: AuthedRequest, reply: FastifyReply) => {
      if (!routeAccess(request).upload || !request.apiKey) return;
      const slot = this.take(request.apiKey.id);
      if (slot instanceof HoardError) {
        reply.header('Retry-After', String(RETRY_AFTER_SECONDS));
        return sendError(request, reply, slot);
      }
      reply.raw.once('close', slot);
    });
  }
}
