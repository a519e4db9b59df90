import { Param, PipeTransform } from '@nestjs/common';
import { normalizeSha256, type Sha256 } from '@app/contracts';

/** Lower-cases a path `:sha256` that the route's schema already validated (`400 invalid_digest` otherwise). */
export class DigestPipe implements PipeTransform<unknown, Sha256> {
  transform(value: unknown): Sha256 {
    return normalizeSha256(value);
  }
}

/** The `:sha256` route parameter, validated and lower-cased. */
export const DigestParam = (name = 'sha256') => Param(name, new DigestPipe());

/** A body (a file record, say) with its `sha256`, already validated by the route's schema, as a {@link Sha256}. */
export function withDigest<T extends { sha256: string }>(body: T): Omit<T, 'sha256'> & { sha256: Sha256 } {
  return { ...body, sha256: normalizeSha256(body.sha256) };
}
