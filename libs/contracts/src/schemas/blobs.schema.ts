import { Type } from '@sinclair/typebox';
import { LIMITS } from '../limits';
import { AccessTokenQueryField, Count, ErrorCodeSchema, Sha256Schema } from './common.schema';

/** A route parameter `{sha256}`. */
export const DigestParamsSchema = Type.Object({ sha256: Sha256Schema });

/** `GET /api/v1/blobs/{sha256}`: only the token of a link. */
export const BlobQuerySchema = Type.Object({ access_token: AccessTokenQueryField });

/** `POST /api/v1/blobs/missing`: 1 to 10,000 digests. */
export const MissingRequestSchema = Type.Object({
  sha256: Type.Array(Sha256Schema, { minItems: 1, maxItems: LIMITS.missingMax }),
});

/** The digests of the request the store lacks. */
export const MissingResponseSchema = Type.Object({
  missing: Type.Array(Type.String({ pattern: '^[0-9a-f]{64}$' }), { description: 'Digests the store lacks, in request order, each once' }),
});

/** A verified upload: stored now (`created`) or already stored. */
export const PutBlobResponseSchema = Type.Object(
  {
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    size: Count(),
    created: Type.Boolean({ description: 'false when the content was already stored' }),
  },
  { title: 'PutBlobResponse' },
);

/** One part of a pack that was refused while the others were stored. */
export const PackItemErrorSchema = Type.Object({
  sha256: Type.String(),
  error: Type.Object({ code: ErrorCodeSchema, message: Type.String() }),
});

/** One part of `POST /api/v1/blobs/pack`: stored (as a PUT would answer), or refused with an error. */
export const PackItemResultSchema = Type.Union([PutBlobResponseSchema, PackItemErrorSchema]);

/** `POST /api/v1/blobs/pack`: one item per part, in part order. */
export const PackResponseSchema = Type.Object({ items: Type.Array(PackItemResultSchema) });
