/** Printing findings: text grouped by file, JSON, or GitHub Actions annotations (pure). */
import type { Finding, ValidateResult } from './finding.js';

export const FORMATS = ['text', 'json', 'github'] as const;
export type Format = (typeof FORMATS)[number];

/** Notes (info) are left out of text and annotations unless asked for: they say what was not checked. */
function shown(result: ValidateResult, verbose: boolean): Finding[] {
  return verbose ? result.findings : result.findings.filter((f) => f.severity !== 'info');
}

export function formatText(result: ValidateResult, verbose = false): string {
  const lines: string[] = [];
  const byFile = new Map<string, Finding[]>();
  // With --verbose every file gets its line: what it is and what was checked, or why nothing was.
  if (verbose) for (const f of result.files) byFile.set(f.file, []);
  for (const f of shown(result, verbose)) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
  for (const [file, findings] of byFile) {
    const entry = result.files.find((f) => f.file === file);
    const status = !verbose || !entry ? '' : entry.notUnderstood ? `  (${entry.kind}: not understood: ${entry.notUnderstood})` : `  (${entry.kind}, ${entry.launches} launch(es) checked)`;
    lines.push(`${file}${status}`);
    for (const f of findings) {
      lines.push(`  ${String(f.line || '-').padStart(4)}  ${f.severity.padEnd(7)}  ${f.message}  [${f.rule}]`);
      if (f.fix) lines.push(`${' '.repeat(17)}fix: ${f.fix}`);
    }
    lines.push('');
  }
  const checked = result.files.filter((f) => f.kind !== 'unreadable').length;
  const launches = result.files.reduce((n, f) => n + f.launches, 0);
  const notes = result.findings.length - result.errors - result.warnings;
  const hidden = !verbose && notes > 0 ? `, ${notes} note(s) (--verbose shows them)` : '';
  const unknown = result.notUnderstood > 0 ? `; ${result.notUnderstood} not understood${verbose ? '' : ' (--verbose says why)'}` : '';
  lines.push(`${result.files.length} file(s), ${checked} checked, ${launches} server launch(es): ${result.errors} error(s), ${result.warnings} warning(s)${hidden}${unknown}`);
  return `${lines.join('\n')}\n`;
}

/** GitHub's workflow-command escaping: data escapes %, CR, LF; properties also : and ,. */
function escapeData(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}
function escapeProperty(text: string): string {
  return escapeData(text).replaceAll(':', '%3A').replaceAll(',', '%2C');
}

const COMMAND: Record<Finding['severity'], string> = { error: 'error', warning: 'warning', info: 'notice' };

export function formatGithub(result: ValidateResult, verbose = false): string {
  const lines = shown(result, verbose).map((f) => {
    const where = [`file=${escapeProperty(f.file)}`, ...(f.line > 0 ? [`line=${f.line}`] : []), `title=${escapeProperty(`gpuplan ${f.rule}`)}`].join(',');
    return `::${COMMAND[f.severity]} ${where}::${escapeData(f.fix ? `${f.message} (fix: ${f.fix})` : f.message)}`;
  });
  return `${[...lines, `gpuplan validate: ${result.errors} error(s), ${result.warnings} warning(s) in ${result.files.length} file(s)`].join('\n')}\n`;
}

export function formatResult(result: ValidateResult, format: Format, verbose = false): string {
  if (format === 'json') return `${JSON.stringify(result, null, 2)}\n`;
  return format === 'github' ? formatGithub(result, verbose) : formatText(result, verbose);
}
