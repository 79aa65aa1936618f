/**
 * validate on real deployment files written by others (test/fixtures/validate/wild/,
 * sources.json: repository, path and commit of each), and one-bug mutants of them:
 * no false alarm on a file expected to be correct, the expected finding on one that is
 * not, and each planted bug reported with the right fix.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createValidator, validateFile } from '../../src/validate/validate.js';
import { catalog, fixture } from '../helpers.js';

interface WildFile {
  file: string;
  source: string;
  expect: 'ok' | 'error';
  rule?: string;
}

const wild = JSON.parse(readFileSync(fixture('validate/wild/sources.json'), 'utf8')).files as WildFile[];
const validator = createValidator(catalog, null);
const check = (file: string, text: string) => validateFile(file, Buffer.from(text), validator);
const read = (file: string) => readFileSync(fixture(`validate/wild/${file}`), 'utf8');

describe('real deployment files (issue 14)', () => {
  it('at least 50, each with its source at a commit', () => {
    expect(wild.length).toBeGreaterThanOrEqual(50);
    for (const w of wild) expect(w.source, w.file).toMatch(/^https:\/\/github\.com\/[^/]+\/[^/]+\/blob\/[0-9a-f]{40}\//);
  });

  it.each(wild.filter((w) => w.expect === 'ok').map((w) => [w.file]))('%s: no error or warning (a finding here is a false alarm)', (file) => {
    const report = check(file, read(file));
    expect(report.findings.filter((f) => f.severity !== 'info').map((f) => `${f.line} ${f.rule}: ${f.message}`)).toEqual([]);
    expect(report.launches + (report.notUnderstood ? 0 : 1)).toBeGreaterThan(0);
  });

  it.each(wild.filter((w) => w.expect === 'error').map((w) => [w.file, w.rule]))('%s: the error it really has (%s)', (file, rule) => {
    expect(check(file, read(file)).findings.some((f) => f.severity === 'error' && f.rule === rule)).toBe(true);
  });
});

/** One planted bug: where to plant it, and what validate must say. */
interface Mutant {
  name: string;
  /** The real files it is planted in (those that contain `find`). */
  find: RegExp;
  replace: string;
  rule: string;
  fix: RegExp;
}

const MUTANTS: Mutant[] = [
  { name: 'a misspelled option', find: /--max-model-len\b/, replace: '--max-model-lenn', rule: 'unknown-flag', fix: /^did you mean --max-model-len\?$/ },
  // The value on the same line or the next list item, literal or a variable's default (`- "${GPU_MEMORY_UTILIZATION:-0.92}"`).
  {
    name: 'utilization as a percentage',
    find: /(--gpu-memory-utilization[ =]|--gpu-memory-utilization\n\s*- )["']?(\$\{\w+:-)?0?\.\d+\}?["']?/,
    replace: '$190',
    rule: 'memory-fraction',
    fix: /^--gpu-memory-utilization 0\.9$/,
  },
  { name: "another engine's option", find: /--gpu-memory-utilization\b/, replace: '--mem-fraction-static', rule: 'unknown-flag', fix: /^--gpu-memory-utilization \(/ },
  // A Ray head that asks for more GPUs than the head and its workers have (AIBrix RayClusterFleet).
  {
    name: 'a layout larger than the Ray cluster',
    find: /(--tensor-parallel-size )2( --distributed-executor-backend ray)/,
    replace: '$116$2',
    rule: 'parallel-gpus',
    fix: /^add worker replicas, or lower --tensor-parallel-size$/,
  },
  // production-stack values: the chart renders vllmConfig.tensorParallelSize as --tensor-parallel-size.
  {
    name: 'a TP that does not divide the heads, in Helm values',
    find: /tensorParallelSize: 2\b/,
    replace: 'tensorParallelSize: 3',
    rule: 'tp-heads',
    fix: /^--tensor-parallel-size one of 1, 2, 4(, 8)?$/,
  },
  { name: "llama-server given vLLM's context option", find: /--ctx-size\b/, replace: '--max-model-len', rule: 'unknown-flag', fix: /^--ctx-size \(/ },
];

describe('one-bug mutants of the real files', () => {
  const cases = MUTANTS.flatMap((m) =>
    wild
      // Planted in compose files and manifests, where every argument of a launch is literal (scripts build them in arrays).
      .filter((w) => w.expect === 'ok' && /\.ya?ml$/.test(w.file) && m.find.test(read(w.file)) && check(w.file, read(w.file)).launches > 0)
      .slice(0, 4)
      .map((w) => [m.name, w.file, m] as const),
  );

  it('every mutant is planted in real files', () => {
    for (const m of MUTANTS) expect(cases.filter(([name]) => name === m.name).length, m.name).toBeGreaterThan(0);
  });

  it.each(cases)('%s in %s: reported with the right fix', (_name, file, m) => {
    // Every occurrence, so the one in the launch is hit (the first may be in a comment).
    const report = check(file, read(file).replace(new RegExp(m.find.source, 'g'), m.replace));
    const finding = report.findings.find((f) => f.rule === m.rule && f.severity === 'error');
    expect(finding, JSON.stringify(report.findings.filter((f) => f.severity !== 'info'))).toBeDefined();
    expect(finding?.fix ?? '').toMatch(m.fix);
  });
});
