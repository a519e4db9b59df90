import { InvalidArgumentError } from 'commander';
import { bucketProblem, objectKeyProblem } from '@app/contracts';

/** An object as the commands name it: `<bucket>/<key>`. */
export interface ObjectTarget {
  bucket: string;
  key: string;
}

/**
 * Parses `<bucket>/<key>` (the bucket is everything before the first `/`), checking both as the server would, so a
 * bad name is a usage error before anything is sent.
 */
export function parseObjectTarget(value: string): ObjectTarget {
  const slash = value.indexOf('/');
  if (slash < 0) throw new InvalidArgumentError('must be <bucket>/<key>, e.g. backups/user-1/db.sqlite');
  const bucket = value.slice(0, slash);
  const key = value.slice(slash + 1);
  const problem = bucketProblem(bucket);
  if (problem) throw new InvalidArgumentError(`the bucket "${bucket}" ${problem}`);
  const keyProblem = objectKeyProblem(key);
  if (keyProblem) throw new InvalidArgumentError(`the key ${keyProblem}`);
  return { bucket, key };
}

/** Parses a bucket name alone. */
export function parseBucket(value: string): string {
  const problem = bucketProblem(value);
  if (problem) throw new InvalidArgumentError(`the bucket ${problem}`);
  return value;
}
