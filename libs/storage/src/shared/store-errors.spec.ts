import { HoardError } from '@app/contracts';
import { isS3Full, s3Failure } from '../s3/s3-errors';
import { classifyPutFailure, storeUnavailable } from './store-errors';

const systemError = (code: string) => Object.assign(new Error(`${code}: failed, write`), { code });

describe('store errors', () => {
  it('calls a full disk or an exhausted quota insufficient_storage, without the system message', () => {
    for (const code of ['ENOSPC', 'EDQUOT']) {
      const error = storeUnavailable('write', systemError(code));
      expect([error.code, error.status, error.message]).toEqual([
        'insufficient_storage',
        507,
        'The blob store is full: nothing was stored; free space before uploading again',
      ]);
    }
    expect(classifyPutFailure(new Error('write failed'), systemError('ENOSPC'), 'write').code).toBe('insufficient_storage');
    expect(storeUnavailable('write', systemError('EIO')).code).toBe('unavailable');
  });

  it('recognises S3 and MinIO answers of a full store or quota', () => {
    const sdk = (name: string, status = 400) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
    for (const name of ['XMinioStorageFull', 'XMinioAdminBucketQuotaExceeded', 'EntityTooLarge']) {
      expect([name, isS3Full(sdk(name)), s3Failure('upload', sdk(name)).code]).toEqual([name, true, 'insufficient_storage']);
    }
    expect(isS3Full(sdk('SlowDown', 503))).toBe(false);
    expect(s3Failure('upload', sdk('InternalError', 500)).code).toBe('unavailable');
    expect(s3Failure('upload', sdk('Anything', 507)).code).toBe('insufficient_storage');
    const typed = new HoardError('digest_mismatch', 'x');
    expect(s3Failure('upload', typed)).toBe(typed);
  });
});
