import { FileHasher } from '@hoard/native';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PutOptions } from '../blob-store';
import { classifyPutFailure, storeUnavailable } from '../shared/store-errors';
import { IO_CHUNK } from './local-blob-writer';
import { TempBlobFile } from './temp-blob-file';

/**
 * Writes `body` to the new file `path` (mode 0600; it must not exist) exactly as an upload's temporary file is
 * written: hashed as it goes and, with the native helpers, hashed and written on the thread pool, mostly past the
 * page cache, so that a later flush (a local store adopting the file) has little left to do. Resolves with the
 * digest and size; the file stays for the caller, who removes it.
 * @throws HoardError payload_too_large or invalid_request (`limits` crossed, the body cut short),
 *   insufficient_storage or unavailable (the file system failed)
 */
export async function writeHashedFile(path: string, body: Readable, limits: PutOptions): Promise<{ sha256: string; bytes: number }> {
  let file: TempBlobFile;
  try {
    file = await TempBlobFile.create(path, FileHasher !== null);
  } catch (error) {
    body.resume();
    throw storeUnavailable('spool', error);
  }
  try {
    const sink = file.sink(IO_CHUNK, limits);
    await pipeline(body, sink).catch((error: unknown) => {
      throw classifyPutFailure(error, sink.failure, 'spool');
    });
    return { sha256: sink.digest(), bytes: sink.bytes };
  } finally {
    await file.close();
  }
}
