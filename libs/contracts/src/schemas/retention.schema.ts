import { Type } from '@sinclair/typebox';
import { LIMITS } from '../limits';
import { Count, NO_NUL, Nullable, Text } from './common.schema';

/** A whole number from 0 to `maximum`, or null: one schema (not a union), so that a bad value gets one message. */
const CountOrNull = (maximum: number, description: string) =>
  Type.Unsafe<number | null>({ type: ['integer', 'null'], minimum: 0, maximum, description });

/**
 * A retention rule (API.md "Lifecycle"). Fields it does not know are refused, not ignored: a misspelt measure must
 * not turn a rule into one that keeps less than meant.
 */
export const RetentionRuleSchema = Type.Object(
  {
    hostname: Text(LIMITS.hostnameMax, { description: 'A hostname (or bucket), or * for every one' }),
    path_prefix: Type.Optional(
      Type.String({
        maxLength: LIMITS.filepathMax,
        pattern: NO_NUL,
        'x-error': 'must not contain NUL characters',
        description: 'A directory or a file (as path_prefix elsewhere); empty for every path',
      }),
    ),
    keep_last: Type.Optional(CountOrNull(LIMITS.retentionKeepLastMax, 'Keep the newest versions, this many (the current one among them)')),
    keep_within_days: Type.Optional(CountOrNull(LIMITS.retentionDaysMax, 'Keep the versions that were current within this many days')),
    keep_deleted_days: Type.Optional(CountOrNull(LIMITS.retentionDaysMax, 'Keep the records of a deleted path this many days')),
  },
  { title: 'RetentionRule', additionalProperties: false },
);

/** `PUT /api/v1/retention` (every rule, replacing the ones set before) and `GET /api/v1/retention`. */
export const RetentionRulesSchema = Type.Object({
  rules: Type.Array(RetentionRuleSchema, { maxItems: LIMITS.retentionRulesMax }),
});

/** A rule as the server answers it: every field present. */
export const StoredRetentionRuleSchema = Type.Object(
  {
    hostname: Type.String(),
    path_prefix: Type.String(),
    keep_last: Nullable(Count()),
    keep_within_days: Nullable(Count()),
    keep_deleted_days: Nullable(Count()),
  },
  { title: 'StoredRetentionRule' },
);

export const StoredRetentionRulesSchema = Type.Object({ rules: Type.Array(StoredRetentionRuleSchema) });
