import { HoardError, normalizeSha256, type Sha256, UPLOAD_METADATA } from '@app/contracts';

/** What an upload becomes once its last byte has arrived and matched: content by digest. */
export interface BlobTarget {
  kind: 'blob';
  sha256: Sha256;
}

export type UploadTarget = BlobTarget;

/** An upload's `Upload-Metadata`, decoded (a key without a value is `null`). */
export type UploadMetadata = Record<string, string | null | undefined>;

/**
 * The target an upload's metadata names: `sha256` (content by digest). Other pairs (a client's `filename`,
 * `filetype`, …) are ignored, as unknown fields are everywhere.
 * @throws HoardError invalid_digest (a `sha256` that is not one), validation_failed (no target named)
 */
export function uploadTarget(metadata: UploadMetadata | undefined): UploadTarget {
  const sha256 = metadata?.[UPLOAD_METADATA.sha256];
  if (sha256 !== undefined) return { kind: 'blob', sha256: normalizeSha256(sha256, 'Upload-Metadata sha256') };
  throw new HoardError('validation_failed', 'Upload-Metadata must name what the upload is: sha256 (the digest of the content)', {
    details: { fields: [{ field: 'Upload-Metadata.sha256', errors: ['is required'] }] },
  });
}
