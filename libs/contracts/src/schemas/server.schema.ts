import { Type } from '@sinclair/typebox';
import { Count } from './common.schema';

export const StatsSchema = Type.Object({
  files: Count(),
  hosts: Count(),
  blobs: Count(),
  stored_bytes: Count(),
  logical_bytes: Count(),
  dedup_ratio: Type.Number({ minimum: 0 }),
});

export const ServerInfoSchema = Type.Object({ name: Type.String(), version: Type.String(), docs: Type.String() });

export const HealthSchema = Type.Object({ status: Type.Literal('ok') });

const CheckSchema = Type.Object({ status: Type.String(), kind: Type.String(), message: Type.Optional(Type.String()) });

export const ReadySchema = Type.Object({ status: Type.Literal('ok'), checks: Type.Record(Type.String(), CheckSchema) });
