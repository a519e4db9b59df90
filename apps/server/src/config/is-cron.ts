import { CronTime } from 'cron';
import { registerDecorator, type ValidationArguments } from 'class-validator';

/** Why a cron expression does not parse, or null when it does. */
export function cronProblem(expression: unknown): string | null {
  if (typeof expression !== 'string' || expression.trim() === '') return 'must be a cron expression';
  try {
    new CronTime(expression);
    return null;
  } catch (error) {
    return `must be a cron expression ("minute hour day-of-month month day-of-week", e.g. "0 3 * * *"): ${(error as Error).message}`;
  }
}

/** A cron expression as `cron` (through @nestjs/schedule) reads it: five fields, or six with seconds first. */
export function IsCronExpression(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isCronExpression',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) => cronProblem(value) === null,
        defaultMessage: (args: ValidationArguments) => `${args.property} ${cronProblem(args.value)}`,
      },
    });
}
