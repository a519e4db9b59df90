import type { HoardClient, ObjectPutOptions } from '@app/client';
import type { ObjectInfo } from '@app/contracts';
import { objectTarget, UploadUrls, worthResuming } from '../../io/state-cache/upload-urls';
import type { ObjectTarget } from './object-target';

/** A file, hashed, to store as an object. */
export interface HashedFile {
  path: string;
  sha256: string;
  size: number;
}

/**
 * Stores a large file as the next version of an object through the resumable (tus) uploads: the upload's URL is
 * kept in the state cache (`urls`) from its creation until it ends, so that a `put` cut short (a killed CLI, a server
 * gone) continues at the next run from the offset the server holds instead of starting over.
 */
export async function putResumable(
  api: Pick<HoardClient, 'putObjectResumable'>,
  urls: UploadUrls | null,
  target: ObjectTarget,
  file: HashedFile,
  options: ObjectPutOptions,
  onProgress?: (sent: number) => void,
): Promise<{ object: ObjectInfo; resumedFrom: number }> {
  const name = objectTarget(target.bucket, target.key, file.sha256);
  try {
    const stored = await api.putObjectResumable(
      target.bucket,
      target.key,
      file.path,
      file.size,
      { ...options, sha256: file.sha256 },
      {
        resumeUrl: urls?.get(name, file.size),
        onUrl: (url) => urls?.remember(name, file.size, url),
        onProgress,
      },
    );
    urls?.forget(name);
    return stored;
  } catch (err) {
    if (!worthResuming(err)) urls?.forget(name);
    throw err;
  }
}
