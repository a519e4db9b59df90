import { MultipartDelimiters } from './multipart-delimiters';

const body = (boundary: string, parts: string[]) =>
  Buffer.from(parts.map((p) => `--${boundary}\r\n${p}\r\n`).join('') + `--${boundary}--\r\n`);

describe('MultipartDelimiters', () => {
  it('counts the parts of a whole body', () => {
    const sut = new MultipartDelimiters('b0undary');
    sut.push(body('b0undary', ['Content-Disposition: form-data; name="a"\r\n\r\nx', '\r\nno headers at all', 'c']));
    expect(sut.parts).toBe(3);
  });

  it('counts the same when the body arrives a byte at a time', () => {
    const whole = body('xyz', ['h\r\n\r\none', 'h\r\n\r\ntwo --xyz inside']);
    const sut = new MultipartDelimiters('xyz');
    for (const byte of whole) sut.push(Buffer.from([byte]));
    expect(sut.parts).toBe(2);
  });

  it('does not count the boundary inside content unless it follows a line break', () => {
    const sut = new MultipartDelimiters('q');
    sut.push(body('q', ['h\r\n\r\na--q b--q']));
    expect(sut.parts).toBe(1);
  });
});
