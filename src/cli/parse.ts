import { z } from 'zod';
import { UserError } from '../util/errors.js';

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** A whole number ≥ min from a command-line string. */
export const wholeNumber = (min = 1) =>
  z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(min, `must be ≥ ${min}`);

/** A choice among fixed values, the error listing them. */
export const choice = <T extends string>(values: readonly [T, ...T[]]) =>
  z.enum(values, { error: `valid choices: ${values.join(', ')}` });

/**
 * Validates commander's option bag; the error names the option, the value given
 * and what would be valid, e.g. `option --context "abc": must be a number`.
 */
export function parseOptions<T extends z.ZodType>(schema: T, options: Record<string, unknown>): z.infer<T> {
  const result = schema.safeParse(options);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const key = String(issue?.path[0] ?? '');
  const given = options[key];
  throw new UserError(`option --${kebab(key)}${given === undefined ? '' : ` "${String(given)}"`}: ${issue?.message ?? 'invalid'}`);
}
