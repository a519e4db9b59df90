import { checkCreation, checkPatch, checkVersion } from './tus-protocol';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('tus protocol checks', () => {
  it('asks every request for Tus-Resumable: 1.0.0, naming the version it speaks', () => {
    expect(() => checkVersion({ 'tus-resumable': '1.0.0' })).not.toThrow();
    for (const headers of [{}, { 'tus-resumable': '0.2.2' }, { 'tus-resumable': '2.0.0' }]) {
      expect(() => checkVersion(headers)).toThrow(
        expect.objectContaining({ code: 'precondition_failed', details: { tus_version: ['1.0.0'] } }),
      );
    }
    expect(() => checkVersion({ 'tus-resumable': ['1.0.0', '1.0.0'] })).toThrow(expect.objectContaining({ code: 'invalid_request' }));
  });

  it('reads a creation: its length and its metadata decoded', () => {
    const sut = checkCreation({ 'upload-length': '42', 'upload-metadata': `sha256 ${b64('ab')},flag` }, 100);
    expect(sut).toEqual({ length: 42, metadata: { sha256: 'ab', flag: null } });
    expect(checkCreation({ 'upload-length': '0' }, 100)).toEqual({ length: 0, metadata: {} });
  });

  it('refuses a creation without a length, or with one that is malformed or over the limit', () => {
    const refused = (headers: Record<string, string>, code: string) =>
      expect(() => checkCreation(headers, 100)).toThrow(expect.objectContaining({ code }));
    refused({}, 'invalid_request');
    for (const bad of ['-1', '1e3', '0x10', ' 5', '1.5', '99999999999999999999']) refused({ 'upload-length': bad }, 'invalid_request');
    refused({ 'upload-length': '101' }, 'payload_too_large');
    refused({ 'upload-defer-length': '1' }, 'invalid_request');
    refused({ 'upload-length': '5', 'upload-concat': 'partial' }, 'invalid_request');
    refused({ 'upload-length': '5', 'upload-metadata': 'sha256 !!notbase64' }, 'invalid_request');
    refused({ 'upload-length': '5', 'upload-metadata': `a ${b64('x')},a ${b64('y')}` }, 'invalid_request');
  });

  it('asks a PATCH for the tus media type (415) and an offset', () => {
    const type = 'application/offset+octet-stream';
    expect(() => checkPatch({ 'content-type': type, 'upload-offset': '0' })).not.toThrow();
    expect(() => checkPatch({ 'content-type': 'application/octet-stream', 'upload-offset': '0' })).toThrow(
      expect.objectContaining({ code: 'unsupported_media_type' }),
    );
    expect(() => checkPatch({ 'upload-offset': '0' })).toThrow(expect.objectContaining({ code: 'unsupported_media_type' }));
    expect(() => checkPatch({ 'content-type': type })).toThrow(expect.objectContaining({ code: 'invalid_request' }));
    expect(() => checkPatch({ 'content-type': type, 'upload-offset': 'x' })).toThrow(expect.objectContaining({ code: 'invalid_request' }));
    expect(() => checkPatch({ 'content-type': type, 'upload-offset': '0', 'upload-length': '5' })).toThrow(
      expect.objectContaining({ code: 'invalid_request' }),
    );
  });
});
