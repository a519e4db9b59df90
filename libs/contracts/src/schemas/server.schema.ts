import { Type } from '@sinclair/typebox';
import { Count } from './common.schema';

/** A sum of sizes: past 2^53 bytes (8 PiB) a JSON number keeps its magnitude, not every digit. */
const Sum = () => Type.Integer({ minimum: 0 });

export const StatsSchema = Type.Object({
  files: Count(),
  hosts: Count(),
  blobs: Count(),
  stored_bytes: Sum(),
  logical_bytes: Sum(),
  dedup_ratio: Type.Number({ minimum: 0 }),
});

export const ServerInfoSchema = Type.Object({ name: Type.String(), version: Type.String(), docs: Type.String() });

export const HealthSchema = Type.Object({ status: Type.Literal('ok') });

const CheckSchema = Type.Object({ status: Type.String(), kind: Type.String(), message: Type.Optional(Type.String()) });

export const ReadySchema = Type.Object({ status: Type.Literal('ok'), checks: Type.Record(Type.String(), CheckSchema) });
