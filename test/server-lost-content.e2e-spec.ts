import { chmodSync, rmSync } from 'node:fs';
import { LOOSE_BLOBS, type RunningServer } from './support/server';
import { blobPath, expectError, expectStatus, Http, randomContent, useServerWithKeys } from './support/http';

describe('server: content removed from the blob store behind its back', () => {
  let server: RunningServer;
  let admin: Http;
  useServerWithKeys((s) => ({ server, admin } = s), { env: LOOSE_BLOBS });

  function removeOnDisk(sha: string): void {
    const path = blobPath(server.dataDir, sha);
    chmodSync(path, 0o644);
    rmSync(path);
  }

  it('is reported missing after a GET finds it gone, and a new upload restores it', async () => {
    const { data, sha } = randomContent(4096);
    expectStatus(await admin.put(`/api/v1/blobs/${sha}`, data), 201);
    removeOnDisk(sha);

    expectError(await admin.get(`/api/v1/blobs/${sha}`), 404, 'not_found');
    expect((await admin.post('/api/v1/blobs/missing', { sha256: [sha] })).json()).toEqual({ missing: [sha] });

    expectStatus(await admin.put(`/api/v1/blobs/${sha}`, data), 201);
    const res = await admin.get(`/api/v1/blobs/${sha}`);
    expectStatus(res, 200);
    expect(res.body.equals(data)).toBe(true);
  });

  it('answers HEAD with 404 once the bytes are gone', async () => {
    const { data, sha } = randomContent(512);
    expectStatus(await admin.put(`/api/v1/blobs/${sha}`, data), 201);
    removeOnDisk(sha);
    expect((await admin.call('HEAD', `/api/v1/blobs/${sha}`)).status).toBe(404);
    expect((await admin.post('/api/v1/blobs/missing', { sha256: [sha] })).json()).toEqual({ missing: [sha] });
  });
});
