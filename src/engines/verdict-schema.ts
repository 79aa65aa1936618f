/** The verdict's zod schema, for plan.json's schema (planner/schema.ts); verdict.ts takes its type from here. */
import { z } from 'zod';
import { VERDICT_REASONS, VERDICT_STATUSES } from './verdict.js';

export const VerdictSchema = z.strictObject({
  status: z.enum(VERDICT_STATUSES),
  reason: z.enum(VERDICT_REASONS),
  /** One line for a person: what is wrong and by how much. */
  message: z.string(),
  /** What the engine itself would print (its error, or its refusal), when gpuplan knows it. */
  engineMessage: z.string().nullable(),
});
