import { Param, PipeTransform } from '@nestjs/common';
import { normalizeSha256 } from '@app/contracts';

/** Lower-cases a path `:sha256` that the route's schema already validated (`400 invalid_digest` otherwise). */
export class DigestPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    return normalizeSha256(value);
  }
}

/** The `:sha256` route parameter, validated and lower-cased. */
export const DigestParam = (name = 'sha256') => Param(name, new DigestPipe());
