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
/** Findings listed per file: a generated file with thousands of mistakes gets the first ones and a count. */
export const MAX_FINDINGS_PER_FILE = 200;

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

export class Findings {
  readonly list: Finding[] = [];
  private readonly perRule = new Map<string, number>();
  private dropped = 0;
  private overflow: Finding | null = null;
  constructor(readonly file: string) {}

  add(severity: Severity, line: number, rule: string, message: string, fix: string | null = null): void {
    this.perRule.set(rule, this.count(rule) + 1);
    if (this.list.length < MAX_FINDINGS_PER_FILE) {
      this.list.push({ severity, file: this.file, line, rule, message, fix });
      return;
    }
    // One closing finding stands for the rest, as severe as the worst of them, so the exit code stays right.
    this.dropped++;
    const worst = this.overflow && SEVERITY_RANK[this.overflow.severity] >= SEVERITY_RANK[severity] ? this.overflow.severity : severity;
    const overflow: Finding = {
      severity: worst,
      file: this.file,
      line,
      rule: 'too-many-findings',
      message: `${this.dropped} more finding(s) not listed (at most ${MAX_FINDINGS_PER_FILE} per file)`,
      fix: null,
    };
    if (this.overflow) Object.assign(this.overflow, overflow);
    else {
      this.overflow = overflow;
      this.list.push(overflow);
    }
  }

  /** Findings of a rule so far. */
  count(rule: string): number {
    return this.perRule.get(rule) ?? 0;
  }
}
