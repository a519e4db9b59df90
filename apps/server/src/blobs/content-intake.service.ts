import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HoardError, PutBlobResponse, type Sha256, sha256Of } from '@app/contracts';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, createReadStream, existsSync, mkdirSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { writeHashedFile } from '@app/storage';
import { detachedBody } from '../common/detached-body';
import { ServerSettings } from '../config/server-settings';
import { TenantScope } from '../auth/tenant-scope';
import { BlobsService } from './blobs.service';

/** Bodies up to this size are hashed in memory (at most this much per upload in flight: 16 MiB for 256 of them). */
const IN_MEMORY_MAX = 64 * 1024;

/** How a body of unknown digest arrives. */
export interface IntakeOptions {
  /** The digest the client named: the body streams straight into the store, which refuses it on a mismatch. */
  sha256?: Sha256;
  /** The declared length, when the client sent one. */
  contentLength?: number;
  /** Whether the client went away before its whole body had arrived. */
  clientGone?: () => boolean;
  /** The key's tenants (see BlobsService.put). */
  scope?: TenantScope;
  /** A file of this host holding exactly the body, hashed from its bytes to `sha256` (see BlobsService.put). */
  adoptFile?: string;
}

/**
 * Stores content whose digest the sender does not name (an object, a resumable upload's content): it is hashed as
 * it arrives, then stored once through the one verified path of content by digest ({@link BlobsService.put}: dedup
 * with everything else, packs for small content, takedowns). The store names content by its digest before it
 * writes, so a body whose digest is learnt only at its end is held until then: in memory up to 64 KiB, else in a
 * spool file under `<data dir>/spool` (mode 0600, removed whatever happens, leftovers of a crash removed at start),
 * which a local store on the same file system then takes in by a hard link: the content is written once.
 * A body sent with its digest needs neither: it goes to the store as it arrives.
 */
@Injectable()
export class ContentIntakeService implements OnModuleInit {
  private readonly logger = new Logger('ContentIntake');
  private readonly spoolDir: string;
  private readonly tag = `${process.pid}.${randomBytes(4).toString('hex')}`;
  private seq = 0;
  private spoolReady = false;

  constructor(
    private readonly blobs: BlobsService,
    private readonly settings: ServerSettings,
  ) {
    this.spoolDir = join(settings.dataDir, 'spool');
  }

  /** Makes the spool directory (0700) and removes what a crashed process left in it. */
  async onModuleInit(): Promise<void> {
    this.makeSpoolDir();
    for (const name of await readdir(this.spoolDir)) await rm(join(this.spoolDir, name), { force: true, recursive: true });
  }

  /**
   * Hashes and stores a body; resolves as `PUT /api/v1/blobs/{sha256}` answers.
   * @throws HoardError digest_mismatch (a named digest that the body does not have: nothing is stored),
   *   payload_too_large, invalid_request (a body cut short or of another length than declared), gone (content taken
   *   down), insufficient_storage
   */
  async store(body: Readable, options: IntakeOptions = {}): Promise<PutBlobResponse> {
    const maxBytes = this.settings.maxBlobBytes;
    if (options.sha256)
      return this.blobs.put(options.sha256, body, options.contentLength, options.clientGone, options.scope, options.adoptFile);
    if (options.contentLength !== undefined && options.contentLength > maxBytes) {
      body.resume();
      throw new HoardError('payload_too_large', `the body is larger than the limit of ${maxBytes} bytes`, { details: { maxBytes } });
    }
    const meter = new DigestMeter(maxBytes, options.contentLength);
    const head = await readHead(detachedBody(body));
    if (head.rest === null) {
      const problem = head.chunks.map((chunk) => meter.count(chunk)).find((error) => error !== null) ?? meter.ended();
      if (problem) throw problem;
      return this.blobs.put(meter.digest(), Readable.from(head.chunks), meter.bytes, undefined, options.scope);
    }
    this.makeSpoolDir();
    const spool = join(this.spoolDir, `${this.tag}.${++this.seq}`);
    try {
      // Hashed and written as a blob's temporary file is (on the thread pool, mostly past the page cache).
      const spooled = await writeHashedFile(spool, head.rest, { maxBytes, expectedSize: options.contentLength });
      // The spool file is the content, hashed as it was written: a local store links it in rather than copy it.
      const content = createReadStream(spool, { highWaterMark: 1 << 20 });
      return await this.blobs.put(spooled.sha256 as Sha256, content, spooled.bytes, undefined, options.scope, spool);
    } finally {
      await rm(spool, { force: true }).catch((error: unknown) =>
        this.logger.error(`spool file ${spool} was not removed: ${String(error)}`),
      );
    }
  }

  /** The spool directory, made once (0700, past the umask); made again if something removed it. */
  private makeSpoolDir(): void {
    if (this.spoolReady && existsSync(this.spoolDir)) return;
    mkdirSync(this.spoolDir, { recursive: true, mode: 0o700 });
    chmodSync(this.spoolDir, 0o700);
    this.spoolReady = true;
  }
}

/** The first bytes of a body: all of it (`rest` null) when it ends within IN_MEMORY_MAX bytes, else the stream of it all. */
async function readHead(body: Readable): Promise<{ chunks: Buffer[]; rest: Readable | null }> {
  const chunks: Buffer[] = [];
  let size = 0;
  const iterator = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done) return { chunks, rest: null };
      chunks.push(next.value);
      size += next.value.length;
      if (size > IN_MEMORY_MAX) return { chunks: [], rest: Readable.from(replay(chunks, iterator), { objectMode: false }) };
    }
  } catch (error) {
    throw intakeFailure(error);
  }
}

async function* replay(taken: Buffer[], rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield* taken;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield next.value;
  }
}

/** What a failure while the first bytes of a body were read means: a limit (its own error) or a body cut short. */
function intakeFailure(error: unknown): HoardError {
  if (error instanceof HoardError) return error;
  return new HoardError('invalid_request', 'upload interrupted: the body ended before it was complete', { cause: error });
}

/** Hashes and counts a small body held in memory, failing past `maxBytes` or the declared length, or short of it. */
class DigestMeter {
  bytes = 0;
  private readonly hash = createHash('sha256');

  constructor(
    private readonly maxBytes: number,
    private readonly expected: number | undefined,
  ) {}

  /** Hashes and counts one chunk; the error of a limit it crosses, else null. */
  count(chunk: Buffer): HoardError | null {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      return new HoardError('payload_too_large', `the body is larger than the limit of ${this.maxBytes} bytes`, {
        details: { maxBytes: this.maxBytes },
      });
    }
    if (this.expected !== undefined && this.bytes > this.expected) return lengthMismatch(this.expected, 'longer');
    this.hash.update(chunk);
    return null;
  }

  /** The error of a whole body shorter than declared, else null. */
  ended(): HoardError | null {
    return this.expected !== undefined && this.bytes !== this.expected ? lengthMismatch(this.expected, 'shorter') : null;
  }

  digest(): Sha256 {
    return sha256Of(this.hash);
  }
}

function lengthMismatch(expected: number, how: 'longer' | 'shorter'): HoardError {
  return new HoardError('invalid_request', `the body is ${how} than its declared size of ${expected} bytes`, {
    details: { expectedSize: expected },
  });
}
