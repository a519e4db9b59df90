import { PackBody } from './multipart-body';

describe('PackBody', () => {
  const a = 'a'.repeat(64);
  const b = 'b'.repeat(64);

  it('lays out one part per blob, named by digest, with the closing boundary', () => {
    const pack = new PackBody(2, 5);
    pack.add(a, 3, (t) => t.write('abc'));
    pack.add(b, 2, (t) => t.write('de'));
    const text = pack.finish().toString('latin1');
    const bd = pack.boundary;
    const head = (sha: string) =>
      `--${bd}\r\nContent-Disposition: form-data; name="${sha}"; filename="${sha}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
    expect(text).toBe(`${head(a)}abc\r\n${head(b)}de\r\n--${bd}--\r\n`);
    expect(pack.count).toBe(2);
  });

  it('leaves out a blob whose content could not be read, as if it was never added', () => {
    const pack = new PackBody(2, 4);
    expect(() =>
      pack.add(a, 2, () => {
        throw new Error('gone');
      }),
    ).toThrow('gone');
    pack.add(b, 2, (t) => t.write('ok'));
    const bd = pack.boundary;
    expect(pack.count).toBe(1);
    expect(pack.finish().toString('latin1')).toBe(
      `--${bd}\r\nContent-Disposition: form-data; name="${b}"; filename="${b}"\r\nContent-Type: application/octet-stream\r\n\r\nok\r\n--${bd}--\r\n`,
    );
  });

  it('refuses more content than it was sized for, and any blob after it is finished', () => {
    const pack = new PackBody(1, 2);
    expect(() => pack.add(a, 3, (t) => t.fill(1))).toThrow(RangeError);
    pack.add(a, 2, (t) => t.fill(1));
    pack.finish();
    expect(() => pack.add(b, 0, () => undefined)).toThrow(/finished/);
  });
});
