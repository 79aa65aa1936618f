/** What `gpuplan validate` reports: one finding per problem, with where and how to fix it. */
import { z } from 'zod';

export const SEVERITIES = ['error', 'warning', 'info'] as const;

export const FindingSchema = z.strictObject({
  severity: z.enum(SEVERITIES),
  file: z.string(),
  /** 1-based; 0 when the finding is about the whole file. */
  line: z.number().int().nonnegative(),
  /** A stable id for the check (`unknown-flag`, `memory`, …), for filtering and docs. */
  rule: z.string(),
  message: z.string(),
  fix: z.string().nullable(),
});
export type Finding = z.infer<typeof FindingSchema>;
export type Severity = Finding['severity'];

export const ValidateResultSchema = z.strictObject({
  gpuplanVersion: z.string(),
  files: z.array(
    z.strictObject({
      file: z.string(),
      kind: z.string(),
      launches: z.number().int().nonnegative(),
      /** Why gpuplan found nothing it could check in the file (null: it checked the file). */
      notUnderstood: z.string().nullable(),
    }),
  ),
  findings: z.array(FindingSchema),
  errors: z.number().int().nonnegative(),
  warnings: z.number().int().nonnegative(),
  /** Files that run nothing gpuplan recognises (`--strict` fails on them). */
  notUnderstood: z.number().int().nonnegative(),
});
export type ValidateResult = z.infer<typeof ValidateResultSchema>;

/** Collects findings for one file. */
export class Findings {
  readonly list: Finding[] = [];
  constructor(readonly file: string) {}

  add(severity: Severity, line: number, rule: string, message: string, fix: string | null = null): void {
    this.list.push({ severity, file: this.file, line, rule, message, fix });
  }
}
