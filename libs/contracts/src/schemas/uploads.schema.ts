import { Type } from '@sinclair/typebox';

/** The tus protocol version `/api/v1/uploads` speaks. */
export const TUS_VERSION = '1.0.0';

/** The tus extensions `/api/v1/uploads` offers. */
export const TUS_EXTENSIONS = ['creation', 'creation-with-upload', 'termination', 'expiration'] as const;

/** The media type of a tus `PATCH` body (and of a creation with its first bytes). */
export const TUS_CONTENT_TYPE = 'application/offset+octet-stream';

/**
 * A route parameter `{id}`: an upload, as the `Location` of its creation names it. Anything that is not one of this
 * key's uploads answers `404`, so the parameter is not constrained here.
 */
export const UploadIdParamsSchema = Type.Object({
  id: Type.String({ description: 'The upload, from the Location its creation answered' }),
});

/** The `Upload-Metadata` pairs that name what an upload becomes once its last byte has arrived. */
export const UPLOAD_METADATA = {
  /** Content by digest: the SHA-256 the bytes must hash to. */
  sha256: 'sha256',
} as const;
