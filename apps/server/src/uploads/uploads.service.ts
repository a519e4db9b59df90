import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { HoardError, ROUTES, type Sha256, TUS_VERSION } from '@app/contracts';
import type { KeyRecord } from '@app/metadata';
import { digestMismatch, hasExpired, isUploadId, UPLOAD_STORE, UploadStore } from '@app/storage';
import { EVENTS, Upload } from '@tus/utils';
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { TenantScope } from '../auth/tenant-scope';
import { BlobsService } from '../blobs/blobs.service';
import { ServerSettings } from '../config/server-settings';
import { ObjectsService } from '../objects/objects.service';
import { errorOfTus, HoardTusServer } from './tus-answers';
import { checkCreation, checkPatch, checkVersion } from './tus-protocol';
import { uploadTarget } from './upload-target';

/** One tus request as the controller hands it over, its key checked (before any byte of its body was read). */
export interface TusExchange {
  req: IncomingMessage;
  res: ServerResponse;
  /** The key that sent it (none for `OPTIONS`, which is public). */
  key?: KeyRecord;
  /** The upload named by the path; null at the creation URL. */
  id: string | null;
  /** Hands the response over to the tus server: nothing else answers it from then on. */
  hijack(): void;
}

/** Hex characters of an upload id that name the key that created it. */
const OWNER_CHARS = 16;

/** Errors after which an upload can never become what it names: its bytes go at once. */
const FINAL_ERRORS = new Set(['digest_mismatch', 'gone', 'payload_too_large', 'invalid_digest', 'validation_failed']);

/** The owner part of the upload ids of a key: not the key's id itself, which URLs should not carry. */
function ownerTag(key: KeyRecord): string {
  return createHash('sha256').update(`upload-owner:${key.id}`).digest('hex').slice(0, OWNER_CHARS);
}

/**
 * Resumable uploads over tus 1.0 (`/api/v1/uploads`): tus's server speaks the protocol over the configured upload
 * store; the rules around it are here. Headers are checked before any byte of a body is read; an upload belongs
 * to the key that created it (any other key is told it does not exist); when the last byte arrives, the upload is
 * streamed through the verified put and the final request is answered only once the content is stored (a
 * mismatch answers `422` and discards the upload). A finished upload whose server died before storing it is
 * stored by the next `HEAD` of it. Unfinished uploads expire, and a sweep removes their bytes.
 */
/** Finished uploads from this size on are handed to the blob store as a file to link in (smaller ones are copied: cheap, and maybe packed). */
const ADOPT_FROM = 16 * 1024 * 1024;

@Injectable()
export class UploadsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Uploads');
  private readonly tus: HoardTusServer;
  /** The owner tag and upload id of each request being handled, for tus's naming and id callbacks. */
  private readonly exchanges = new WeakMap<IncomingMessage, { owner?: string; id: string | null; scope: TenantScope }>();
  private sweeper?: NodeJS.Timeout;
  private sweeping = false;

  constructor(
    @Inject(UPLOAD_STORE) private readonly store: UploadStore,
    private readonly blobs: BlobsService,
    private readonly objects: ObjectsService,
    private readonly settings: ServerSettings,
  ) {
    this.tus = new HoardTusServer({
      path: ROUTES.uploads,
      datastore: store,
      maxSize: settings.maxBlobBytes,
      // A relative Location is right behind any proxy, whatever scheme and host the client used.
      relativeLocation: true,
      allowedHeaders: ['X-API-Key'],
      namingFunction: (req) => `${this.exchanges.get(req)?.owner ?? ''}${randomBytes(16).toString('hex')}`,
      getFileIdFromRequest: (req) => this.exchanges.get(req)?.id ?? undefined,
      onUploadFinish: async (req, res, upload) => ({
        res,
        headers: await this.finish(req, upload, this.exchanges.get(req)?.scope ?? TenantScope.ALL),
      }),
      onResponseError: (_req, _res, error) => {
        const answer = errorOfTus(error);
        if (answer.code === 'internal_error') this.logger.error(`upload request failed: ${describe(error)}`);
        if (answer.code === 'unavailable') this.logger.warn(`upload request: a store is not answering: ${describe(error)}`);
        return { status_code: answer.status, body: JSON.stringify(answer.toBody()) };
      },
    });
    // The copy of a stored upload goes once its final answer is written (a creation that carried every byte still
    // reads its upload after the finish).
    this.tus.on(EVENTS.POST_FINISH, (_req: IncomingMessage, _res: ServerResponse, upload: Upload) => void this.discard(upload.id));
  }

  onModuleInit(): void {
    const expiry = this.settings.uploadExpiryMs;
    // Often enough that bytes outlive their expiry by a fraction of it (at most 15 minutes), rarely enough to cost nothing.
    const every = Math.min(Math.max(expiry / 4, 1000), 15 * 60_000);
    this.sweeper = setInterval(() => void this.sweep(), every);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  /**
   * Answers one tus request. Its headers and its key's claim on the upload are checked first (a HoardError thrown
   * here is answered by the exception filter, the body unread); then the tus server answers it.
   */
  async handle(exchange: TusExchange): Promise<void> {
    const { req, res } = exchange;
    const method = req.method ?? '';
    if (method !== 'OPTIONS') {
      try {
        checkVersion(req.headers);
      } catch (error) {
        // tus names the versions it speaks when it refuses one.
        res.setHeader('Tus-Version', TUS_VERSION);
        throw error;
      }
    }
    let owner: string | undefined;
    if (exchange.key) owner = ownerTag(exchange.key);
    const scope = TenantScope.of(exchange.key);
    if (exchange.id !== null && !(isUploadId(exchange.id) && owner && exchange.id.startsWith(owner))) {
      throw new HoardError('not_found', 'No upload at this URL');
    }
    if (method === 'POST') await this.checkCreation(req, scope);
    if (method === 'PATCH') checkPatch(req.headers);
    if (method === 'HEAD' && exchange.id !== null && (await this.finishedEarlier(exchange, scope))) return;
    // A method override would let one route's request be handled as another's.
    delete req.headers['x-http-method-override'];
    this.exchanges.set(req, { owner, id: exchange.id, scope });
    exchange.hijack();
    await this.tus.handle(req, res);
  }

  /** Removes the expired uploads now; the count removed. */
  async sweep(): Promise<number> {
    if (this.sweeping) return 0;
    this.sweeping = true;
    try {
      const removed = await this.tus.cleanUpExpiredUploads();
      if (removed > 0) this.logger.log(`removed ${removed} expired upload(s)`);
      return removed;
    } catch (error) {
      this.logger.warn(`the sweep of expired uploads failed: ${describe(error)}`);
      return 0;
    } finally {
      this.sweeping = false;
    }
  }

  /**
   * Refuses a creation before tus reads its body: malformed, over the limit, no target (or a bad object name or
   * option), a bucket outside the key's tenants (`403`), content taken down (unless the key may not learn of it).
   */
  private async checkCreation(req: IncomingMessage, scope: TenantScope): Promise<void> {
    const { metadata } = checkCreation(req.headers, this.settings.maxBlobBytes);
    const target = uploadTarget(metadata);
    if (target.kind === 'object') scope.checkWrite('bucket', target.bucket);
    const sha256 = target.kind === 'blob' ? target.sha256 : target.options.sha256;
    if (sha256) await this.blobs.checkUploadable(sha256, scope);
  }

  /**
   * Streams a finished upload through the verified put (as content by digest, or as an object's next version);
   * resolves once the content is stored, with the headers that say what it became. An upload that can never be
   * stored (its bytes do not match, its content was taken down, an object option no longer holds) is discarded;
   * after any other failure it stays, to be stored by a later `HEAD`.
   */
  private async finish(req: IncomingMessage, upload: Upload, scope: TenantScope): Promise<Record<string, string>> {
    const release = holdConnection(req);
    try {
      const target = uploadTarget(upload.metadata);
      const size = upload.size ?? 0;
      const local = await this.hashedLocalFile(upload.id, size);
      const named = target.kind === 'blob' ? target.sha256 : target.options.sha256;
      if (local && named !== undefined && named !== local.sha256) throw digestMismatch(named, local.sha256);
      const body = size === 0 ? Readable.from([]) : await this.store.open(upload.id);
      if (target.kind === 'blob') {
        const stored = await this.blobs.put(target.sha256, body, size, undefined, scope, local?.file);
        return { 'X-Hoard-Sha256': stored.sha256 };
      }
      const object = await this.objects.put(
        target.bucket,
        target.key,
        body,
        { ...target.options, contentLength: size, sha256: local?.sha256 ?? target.options.sha256, adoptFile: local?.file },
        scope,
      );
      return { 'X-Hoard-Sha256': object.sha256, 'X-Hoard-Version': String(object.version) };
    } catch (error) {
      const failure = errorOfTus(error);
      if (FINAL_ERRORS.has(failure.code)) await this.discard(upload.id);
      throw failure;
    } finally {
      release();
    }
  }

  /**
   * A finished upload of at least ADOPT_FROM bytes that the upload store keeps in a local file: the file and its
   * digest, so that a local blob store can link it in instead of copying it (a read and a write). Undefined otherwise.
   */
  private async hashedLocalFile(id: string, size: number): Promise<{ file: string; sha256: Sha256 } | undefined> {
    if (size < ADOPT_FROM || !this.store.finishedFile) return undefined;
    const finished = await this.store.finishedFile(id, size);
    return finished && { file: finished.file, sha256: finished.sha256 as Sha256 };
  }

  /**
   * A `HEAD` of an upload whose last byte had arrived but that was not stored (its server died, or a store failed,
   * before the verified put ended) stores it now and answers as for any finished upload. False for any other upload.
   */
  private async finishedEarlier(exchange: TusExchange, scope: TenantScope): Promise<boolean> {
    let upload: Upload;
    try {
      upload = await this.store.getUpload(exchange.id!);
    } catch (error) {
      throw errorOfTus(error);
    }
    if (upload.size === undefined || upload.offset !== upload.size) return false;
    if (hasExpired(upload.creation_date, this.store.getExpiration())) throw new HoardError('gone', 'The upload expired');
    const stored = await this.finish(exchange.req, upload, scope);
    await this.discard(upload.id);
    exchange.hijack();
    exchange.res.writeHead(200, {
      ...stored,
      'Tus-Resumable': TUS_VERSION,
      'Cache-Control': 'no-store',
      'Upload-Offset': String(upload.offset),
      'Upload-Length': String(upload.size),
    });
    exchange.res.end();
    return true;
  }

  /** Removes an upload's bytes; one already removed (by another request or instance) is no error. */
  private async discard(id: string): Promise<void> {
    try {
      await this.store.remove(id);
    } catch (error) {
      if (errorOfTus(error).code !== 'not_found') this.logger.warn(`upload ${id} could not be removed: ${describe(error)}`);
    }
  }
}

/**
 * Keeps a connection open while the server works without sending on it (storing a large upload takes a while):
 * its idle timeout is off until the returned function restores it.
 */
function holdConnection(req: IncomingMessage): () => void {
  const socket = req.socket as Partial<Socket> | undefined;
  // A request made in process (Fastify's inject) has no real socket.
  if (typeof socket?.setTimeout !== 'function') return () => undefined;
  const timeout = socket.timeout ?? 0;
  socket.setTimeout(0);
  return () => {
    if (!socket.destroyed) socket.setTimeout!(timeout);
  };
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  const body = (error as { body?: unknown } | undefined)?.body;
  return typeof body === 'string' ? body.trim() : String(error);
}
