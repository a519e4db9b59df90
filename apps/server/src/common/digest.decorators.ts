import { Param, PipeTransform } from '@nestjs/common';
import { isSha256, normalizeSha256 } from '@app/contracts';
import { registerDecorator, ValidationOptions } from 'class-validator';
import { IS_SHA256 } from './validation.pipe';

/** Validates a path `:sha256` before any I/O and lower-cases it (`400 invalid_digest` otherwise). */
export class DigestPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    return normalizeSha256(value);
  }
}

/** The `:sha256` route parameter, validated and lower-cased. */
export const DigestParam = (name = 'sha256') => Param(name, new DigestPipe());

/** class-validator: a SHA-256 hex digest (each element with `{ each: true }`). */
export function IsSha256(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: IS_SHA256,
      target: target.constructor,
      propertyName,
      options: { message: `${propertyName} must be a SHA-256 digest (64 hexadecimal characters)`, ...options },
      validator: { validate: (value: unknown) => isSha256(value) },
    });
}

/** class-transformer: lower-cases a digest (or each digest of an array) once it is known to be a string. */
export function lowerDigest({ value }: { value: unknown }): unknown {
  if (typeof value === 'string') return value.toLowerCase();
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? v.toLowerCase() : v));
  return value;
}
