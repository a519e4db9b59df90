import { HoardError } from '@app/contracts';
import { plainToInstance } from 'class-transformer';
import { BatchRequestDto } from '../files/files.dto';
import { MissingRequestDto } from '../blobs/blobs.dto';
import { createValidationPipe } from './validation.pipe';

const sut = createValidationPipe();
const good = { filepath: '/a', hostname: 'h', sha256: 'A'.repeat(64), size: 1 };

async function errorOf(cls: new () => object, body: unknown): Promise<HoardError> {
  try {
    await sut.transform(plainToInstance(cls, body), { type: 'body', metatype: cls });
  } catch (err) {
    return err as HoardError;
  }
  throw new Error('expected a validation error');
}

describe('validation pipe', () => {
  it('names the index and field of a bad batch item', async () => {
    const err = await errorOf(BatchRequestDto, { files: [good, { ...good, size: -1 }] });
    expect(err.code).toBe('validation_failed');
    expect(err.details).toEqual({ fields: [{ field: 'files.1.size', errors: ['size must not be less than 0'] }] });
  });

  it('answers invalid_digest when only digests are wrong', async () => {
    const err = await errorOf(MissingRequestDto, { sha256: ['a'.repeat(64), 'zz'] });
    expect(err.code).toBe('invalid_digest');
  });

  it('answers validation_failed when a digest and another field are wrong', async () => {
    const err = await errorOf(BatchRequestDto, { files: [{ ...good, sha256: 'x', size: 'big' }] });
    expect(err.code).toBe('validation_failed');
  });

  it('lower-cases digests it accepts', async () => {
    const out = (await sut.transform(plainToInstance(BatchRequestDto, { files: [good] }), {
      type: 'body',
      metatype: BatchRequestDto,
    })) as BatchRequestDto;
    expect(out.files[0].sha256).toBe('a'.repeat(64));
  });

  it('refuses more than 1,000 records', async () => {
    const err = await errorOf(BatchRequestDto, { files: Array.from({ length: 1001 }, () => good) });
    expect(err.code).toBe('validation_failed');
    expect(JSON.stringify(err.details)).toContain('files');
  });
});
