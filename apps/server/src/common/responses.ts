import { PutBlobResponseSchema } from '@app/contracts';
import type { ResponseDoc } from './endpoint.decorator';

const binary = { schema: { type: 'string', format: 'binary' } };
const etag = { ETag: { type: 'string', description: 'The digest, quoted' } };

/** The answers of a content download (`GET /api/v1/blobs/{sha256}`, `GET /api/v1/files/content`). */
export const CONTENT_RESPONSES: Record<number, ResponseDoc> = {
  200: {
    description: 'The whole content',
    content: { 'application/octet-stream': binary },
    headers: { ...etag, 'Accept-Ranges': { type: 'string', enum: ['bytes'] } },
  },
  206: {
    description: 'The requested range',
    content: { 'application/octet-stream': binary },
    headers: { ...etag, 'Content-Range': { type: 'string', pattern: '^bytes \\d+-\\d+/\\d+$' } },
  },
  304: { description: 'Not modified: If-None-Match named the ETag', headers: etag },
};

/** The answers of a verified upload. */
export const UPLOAD_RESPONSES: Record<number, ResponseDoc> = {
  200: { description: 'Already stored', schema: PutBlobResponseSchema },
  201: { description: 'Stored now', schema: PutBlobResponseSchema },
};

/** The body of a raw upload: any type, taken as bytes. */
export const RAW_CONTENT = { 'application/octet-stream': binary };
