import { Type } from '@sinclair/typebox';
import { Count } from './common.schema';

/** A sum of sizes: past 2^53 bytes (8 PiB) a JSON number keeps its magnitude, not every digit. */
const Sum = () => Type.Integer({ minimum: 0 });

/** `GET /api/v1/stats`. */
export const StatsSchema = Type.Object({
  files: Count(),
  hosts: Count(),
  objects: Count({ description: 'Current object versions (buckets are not hosts); their bytes count in logical_bytes' }),
  blobs: Count(),
  stored_bytes: Sum(),
  logical_bytes: Sum(),
  dedup_ratio: Type.Number({ minimum: 0 }),
  /** Stored content that no record references (garbage collection removes it once its grace has passed), and its bytes. */
  unreferenced_blobs: Count(),
  unreferenced_bytes: Sum(),
  /** Content found corrupt or missing and not served until a verified upload heals it. */
  quarantined_blobs: Count(),
});

/** `GET /`. */
export const ServerInfoSchema = Type.Object({ name: Type.String(), version: Type.String(), docs: Type.String() });

/** `GET /health`. */
export const HealthSchema = Type.Object({ status: Type.Literal('ok') });

const CheckSchema = Type.Object({ status: Type.String(), kind: Type.String(), message: Type.Optional(Type.String()) });

/** `GET /ready` while both stores answer. */
export const ReadySchema = Type.Object({ status: Type.Literal('ok'), checks: Type.Record(Type.String(), CheckSchema) });
