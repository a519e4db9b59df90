import { plainToInstance } from 'class-transformer';
import { HoardError } from '@app/contracts';
import { createValidationPipe } from './validation.pipe';

const pipe = createValidationPipe();

/** Validates a plain object against a DTO class with the same rules and errors as the global pipe. */
export async function validateDto<T extends object>(cls: new () => T, plain: unknown): Promise<T> {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    throw new HoardError('invalid_request', 'The body must be a JSON object');
  }
  return (await pipe.transform(plainToInstance(cls, plain), { type: 'body', metatype: cls })) as T;
}
