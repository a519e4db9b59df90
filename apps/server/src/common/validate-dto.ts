import { plainToInstance } from 'class-transformer';
import { createValidationPipe } from './validation.pipe';

const pipe = createValidationPipe();

/** Validates a plain object against a DTO class with the same rules and errors as the global pipe. */
export async function validateDto<T extends object>(cls: new () => T, plain: unknown): Promise<T> {
  // A body that is JSON but not an object fails like an empty object does, as on the routes the global pipe serves.
  const body = typeof plain === 'object' && plain !== null && !Array.isArray(plain) ? plain : {};
  return (await pipe.transform(plainToInstance(cls, body), { type: 'body', metatype: cls })) as T;
}
