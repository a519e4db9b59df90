import { Inject, Injectable } from '@nestjs/common';
import type { RetentionRuleInput, RetentionRules } from '@app/contracts';
import { RETENTION_STORE, type RetentionRule, type RetentionStore } from '@app/metadata';
import { type FieldError, fieldsFailed } from '../common/validation-errors';

/** The retention rules of the API: read and replaced as a whole. */
@Injectable()
export class RetentionService {
  constructor(@Inject(RETENTION_STORE) private readonly store: RetentionStore) {}

  async get(): Promise<RetentionRules> {
    return { rules: await this.store.getRetentionRules() };
  }

  /**
   * Replaces every rule (absent measures are null, an absent prefix empty).
   * @throws HoardError validation_failed naming each rule (`rules.<index>`) that covers the same hostname and prefix
   * as an earlier one: which of the two applied would be a guess.
   */
  async set(input: RetentionRuleInput[]): Promise<RetentionRules> {
    const rules: RetentionRule[] = input.map((r) => ({
      hostname: r.hostname,
      path_prefix: r.path_prefix ?? '',
      keep_last: r.keep_last ?? null,
      keep_within_days: r.keep_within_days ?? null,
      keep_deleted_days: r.keep_deleted_days ?? null,
    }));
    const first = new Map<string, number>();
    const problems: FieldError[] = [];
    rules.forEach((rule, i) => {
      const key = `${rule.hostname}\u0000${rule.path_prefix}`;
      const earlier = first.get(key);
      if (earlier === undefined) first.set(key, i);
      else problems.push({ field: `rules.${i}`, errors: [`rules.${i} covers the same hostname and path_prefix as rules.${earlier}`] });
    });
    if (problems.length > 0) throw fieldsFailed(problems);
    await this.store.setRetentionRules(rules);
    return { rules };
  }
}
