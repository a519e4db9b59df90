import { HoardError, normalizeSha256, objectMetadataProblem, type Sha256, UPLOAD_METADATA } from '@app/contracts';
import { optionError, optionsFromFields, PutObjectOptions } from '../objects/object-options';
import { checkName, lifetime } from '../objects/object-rules';

/** What an upload becomes once its last byte has arrived and matched: content by digest, */
export interface BlobTarget {
  kind: 'blob';
  sha256: Sha256;
}

/** … or the next version of an object, with the object's options (an expected digest among them, or none). */
export interface ObjectTarget {
  kind: 'object';
  bucket: string;
  key: string;
  options: PutObjectOptions;
}

export type UploadTarget = BlobTarget | ObjectTarget;

/** An upload's `Upload-Metadata`, decoded (a key without a value is `null`). */
export type UploadMetadata = Record<string, string | null | undefined>;

/**
 * Pairs that tus clients add by themselves (tus-js-client's and Uppy's file name and type): never object options.
 * `filetype` is taken as the object's `Content-Type` when the metadata names none.
 */
const CLIENT_PAIRS = new Set(['filename', 'filetype', 'name', 'type', 'relativepath']);

/**
 * The target an upload's metadata names: `bucket` and `key` (an object; the other pairs are its options, named as
 * the fields of `POST /api/v1/objects/{bucket}`: `sha256`, `content_type`, `ttl_seconds`, `expires_at`,
 * `delete_after_download`, `meta-<name>`), or else `sha256` (content by digest; other pairs are ignored). Checked
 * in full at the creation, before any byte is read.
 * @throws HoardError invalid_digest (a `sha256` that is not one), validation_failed (no target named, a bad name or
 *   option)
 */
export function uploadTarget(metadata: UploadMetadata | undefined): UploadTarget {
  const { bucket, key } = metadata ?? {};
  if (bucket !== undefined || key !== undefined) return objectTarget(metadata!);
  const sha256 = metadata?.[UPLOAD_METADATA.sha256];
  if (sha256 !== undefined) return { kind: 'blob', sha256: normalizeSha256(sha256, 'Upload-Metadata sha256') };
  throw new HoardError(
    'validation_failed',
    'Upload-Metadata must name what the upload is: sha256 (the digest of the content), or bucket and key (an object)',
    { details: { fields: [{ field: 'Upload-Metadata.sha256', errors: ['is required'] }] } },
  );
}

function objectTarget(metadata: UploadMetadata): ObjectTarget {
  const { bucket, key } = metadata;
  if (typeof bucket !== 'string') throw optionError('Upload-Metadata.bucket', 'is required with key');
  if (typeof key !== 'string') throw optionError('Upload-Metadata.key', 'is required with bucket');
  checkName(bucket, key, 'Upload-Metadata.key');
  const fields: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(metadata)) {
    if (name === 'bucket' || name === 'key' || CLIENT_PAIRS.has(name.toLowerCase())) continue;
    if (typeof value !== 'string') throw optionError(`Upload-Metadata.${name}`, 'must have a value');
    fields.push([name, value]);
  }
  const filetype = metadata.filetype;
  const typed = fields.some(([name]) => /^(x-hoard-)?content[-_]type$/i.test(name));
  if (!typed && typeof filetype === 'string' && filetype !== '') fields.push(['filetype', filetype]);
  const { options } = optionsFromFields(
    fields.map(([name, value]) => [name === 'filetype' ? 'content_type' : name, value]),
    {},
  );
  lifetime(options, new Date());
  const problem = objectMetadataProblem(options.metadata ?? {});
  if (problem) throw optionError('Upload-Metadata.meta-*', problem);
  return { kind: 'object', bucket, key, options };
}
