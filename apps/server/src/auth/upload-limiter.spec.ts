import { HoardError } from '@app/contracts';
import { UploadLimiter } from './upload-limiter';

describe('UploadLimiter', () => {
  it('refuses a key past its own cap with rate_limited, other keys still get in', () => {
    const sut = new UploadLimiter({ global: 10, perKey: 2 });
    const first = sut.take('a');
    sut.take('a');
    const third = sut.take('a');
    expect(third).toBeInstanceOf(HoardError);
    expect((third as HoardError).code).toBe('rate_limited');
    expect(sut.take('b')).toBeInstanceOf(Function);
    (first as () => void)();
    expect(sut.take('a')).toBeInstanceOf(Function);
  });

  it('refuses everyone past the global cap with unavailable, until a slot is given back', () => {
    const sut = new UploadLimiter({ global: 2, perKey: 5 });
    const a = sut.take('a') as () => void;
    sut.take('b');
    const refused = sut.take('c');
    expect((refused as HoardError).code).toBe('unavailable');
    a();
    expect(sut.take('c')).toBeInstanceOf(Function);
  });

  it('gives a slot back once however often its release is called', () => {
    const sut = new UploadLimiter({ global: 1, perKey: 1 });
    const release = sut.take('a') as () => void;
    release();
    release();
    sut.take('a');
    expect((sut.take('b') as HoardError).code).toBe('unavailable');
  });
});
