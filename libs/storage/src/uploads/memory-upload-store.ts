import { DataStore, ERRORS, Upload } from '@tus/utils';
import { Readable } from 'node:stream';
import { checkedUploadId, hasExpired, UPLOAD_EXTENSIONS, UploadStore } from './upload-store';

interface Held {
  upload: Upload;
  chunks: Buffer[];
  offset: number;
}

/** Uploads held in memory, for specs (and the in-process app): the behaviour of the real stores, without their disks. */
export class MemoryUploadStore extends DataStore implements UploadStore {
  readonly kind = 'memory';
  private readonly uploads = new Map<string, Held>();

  constructor(private readonly expiryMs = 0) {
    super();
    this.extensions = [...UPLOAD_EXTENSIONS];
  }

  override async create(upload: Upload): Promise<Upload> {
    checkedUploadId(upload.id);
    upload.creation_date ??= new Date().toISOString();
    this.uploads.set(upload.id, { upload, chunks: [], offset: 0 });
    return upload;
  }

  override async write(body: Readable, id: string, offset: number): Promise<number> {
    const held = this.held(id);
    if (offset !== held.offset) throw ERRORS.INVALID_OFFSET;
    // Bytes that arrived are kept even when the body breaks off: the client resumes after them.
    try {
      for await (const chunk of body) {
        const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
        held.chunks.push(bytes);
        held.offset += bytes.length;
      }
    } catch {
      // As a file's write: what arrived stays (the client resumes after it), the request fails.
      throw ERRORS.FILE_WRITE_ERROR;
    }
    return held.offset;
  }

  override async getUpload(id: string): Promise<Upload> {
    const held = this.held(id);
    return new Upload({ ...held.upload, id, offset: held.offset });
  }

  override async remove(id: string): Promise<void> {
    this.held(id);
    this.uploads.delete(id);
  }

  async open(id: string): Promise<Readable> {
    return Readable.from(this.held(id).chunks.slice());
  }

  override async deleteExpired(): Promise<number> {
    let removed = 0;
    for (const [id, held] of [...this.uploads]) {
      if (hasExpired(held.upload.creation_date, this.expiryMs)) {
        this.uploads.delete(id);
        removed++;
      }
    }
    return removed;
  }

  override getExpiration(): number {
    return this.expiryMs;
  }

  async close(): Promise<void> {
    this.uploads.clear();
  }

  /** How many uploads it holds (for specs). */
  get size(): number {
    return this.uploads.size;
  }

  private held(id: string): Held {
    const held = this.uploads.get(checkedUploadId(id));
    if (!held) throw ERRORS.FILE_NOT_FOUND;
    return held;
  }
}
