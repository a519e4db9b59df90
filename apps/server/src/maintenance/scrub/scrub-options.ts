import { type FieldError, fieldsFailed } from '../../common/validation-errors';

/** The options of a scrub, normalised: the rate is always set (0: no limit). */
export interface ScrubOptions {
  /** Bytes read per second at most, all reads of the scrub together; 0: as fast as the store answers. */
  max_bytes_per_second: number;
}

const FIELD = 'max_bytes_per_second';

/**
 * Checks the options of a scrub request (everything but `type` and `dry_run`). A request that names no rate gets
 * `defaultRate` (the server's setting), fixed when the job is queued, so that a job resumed after a restart keeps
 * the rate it was asked for.
 * @throws HoardError validation_failed naming each unknown option and a rate that is not a whole number of bytes >= 0
 */
export function parseScrubOptions(options: Readonly<Record<string, unknown>>, defaultRate: number): ScrubOptions {
  const problems: FieldError[] = Object.keys(options)
    .filter((name) => name !== FIELD)
    .map((name) => ({ field: name, errors: [`${name} is not an option of scrub (it takes ${FIELD})`] }));
  const rate = options[FIELD] ?? defaultRate;
  if (typeof rate !== 'number' || !Number.isSafeInteger(rate) || rate < 0) {
    problems.push({ field: FIELD, errors: [`${FIELD} must be a whole number of bytes per second, 0 or more (0: no limit)`] });
  }
  if (problems.length > 0) throw fieldsFailed(problems);
  return { max_bytes_per_second: rate as number };
}
