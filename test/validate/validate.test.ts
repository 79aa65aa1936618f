/**
 * The validate corpus (test/fixtures/validate/): files modelled on the engines' own
 * documentation examples. Valid ones give no error or warning; each broken one gives
 * exactly the findings expected.json lists for it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findGpu } from '../../src/catalog/lookup.js';
import { createValidator, validateFile } from '../../src/validate/validate.js';
import { formatGithub, formatText } from '../../src/validate/report.js';
import { ValidateResultSchema } from '../../src/validate/finding.js';
import { catalog, fixture } from '../helpers.js';

type Expected = { gpus?: string; findings: [string, string, number][] };
const expected = JSON.parse(readFileSync(fixture('validate/expected.json'), 'utf8')).broken as Record<string, Expected>;

function validate(path: string, gpus?: string) {
  const [, count, name] = (gpus && /^(\d+)x(.+)$/.exec(gpus)) || [];
  const hint = name ? { gpu: findGpu(catalog, name), count: Number(count) } : null;
  return validateFile(path, readFileSync(fixture(`validate/${path}`)), createValidator(catalog, hint));
}

const problems = (path: string, gpus?: string) => validate(path, gpus).findings.filter((f) => f.severity !== 'info');

describe("valid files (engines' documentation examples)", () => {
  it.each(readdirSync(fixture('validate/valid')))('%s: no errors or warnings, and its server launch is found', (file) => {
    const report = validate(`valid/${file}`);
    expect(report.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(report.launches).toBeGreaterThanOrEqual(file === 'Modelfile' ? 1 : 1);
  });

  it('on 4 × H100 the memory checks pass too (Llama-3.1-70B BF16 at TP4 and 16k, R1 1.58-bit on llama.cpp)', () => {
    for (const file of readdirSync(fixture('validate/valid'))) expect(problems(`valid/${file}`, '4xh100-sxm')).toEqual([]);
  });
});

describe('broken files give the finding they are about', () => {
  it('every broken file has an expectation', () => {
    expect(readdirSync(fixture('validate/broken')).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.entries(expected))('%s', (file, { gpus, findings }) => {
    const got = problems(`broken/${file}`, gpus).map((f) => [f.severity, f.rule, f.line]);
    expect(got).toEqual(findings);
  });

  it('findings carry a fix where one exists', () => {
    const [unknown] = problems('broken/unknown-flag.yml');
    expect(unknown?.fix).toBe('did you mean --tensor-parallel-size?');
    const [memory] = problems('broken/kv-too-big.yml');
    // vLLM's own error, with the longest context that would fit.
    expect(memory?.message).toMatch(/ValueError: To serve at least one request with the models's max seq len \(131072\).*estimated maximum model length is \d+/);
    expect(memory?.fix).toBe('gpuplan plan --model llama-3.1-70b --budget 2xh100-sxm --context 131072');
  });
});

describe('hostile input: a finding, never a crash or a hang', () => {
  const v = createValidator(catalog, null);

  it('a 10 MB file is not read: a note (a directory may hold a large YAML that deploys nothing)', () => {
    const big = Buffer.alloc(10 * 1024 * 1024, 'a: 1\n');
    const report = validateFile('big.yml', big, v);
    expect(report.findings).toMatchObject([{ severity: 'info', rule: 'too-large' }]);
    expect(report.launches).toBe(0);
  });

  it('deeply nested YAML and odd bytes', () => {
    const deep = Buffer.from(`${'['.repeat(5000)}${']'.repeat(5000)}`);
    expect(validateFile('deep.yml', deep, v).findings.length).toBeGreaterThan(0);
    expect(validateFile('bom.sh', Buffer.from('\uFEFF#!/bin/sh\nvllm serve m --bogus 1\n'), v).findings.map((f) => f.rule)).toContain('unknown-flag');
    expect(() => validateFile('x.sh', Buffer.from("vllm serve 'unterminated\n"), v)).not.toThrow();
  });
});

describe('reports', () => {
  const report = validate('broken/ollama-env.yml');
  const result = ValidateResultSchema.parse({
    gpuplanVersion: '0',
    files: [{ file: report.file, kind: report.kind, launches: report.launches, notUnderstood: report.notUnderstood }],
    findings: report.findings,
    errors: 1,
    warnings: 1,
    notUnderstood: 0,
  });

  it('text groups by file with line, severity, rule and fix', () => {
    expect(formatText(result)).toMatch(/ollama-env\.yml\n +6 +error +OLLAMA_KV_CACHE_TYPE=fp8: Ollama takes f16, q8_0, q4_0 +\[ollama-env\]\n +fix: OLLAMA_KV_CACHE_TYPE=q8_0/);
  });

  it('github annotations escape what workflow commands need escaped', () => {
    const out = formatGithub({ ...result, findings: [{ ...result.findings[0]!, file: 'a,b:c.yml', message: '50% done\nnext' }] });
    expect(out).toMatch(/^::error file=a%2Cb%3Ac\.yml,line=6,title=gpuplan ollama-env::50%25 done%0Anext \(fix: OLLAMA_KV_CACHE_TYPE=q8_0\)$/m);
  });
});
