import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidateResultSchema } from '../../src/validate/finding.js';
import { fixture } from '../helpers.js';
import { gpuplan } from './run.js';

const ROOT = join(import.meta.dirname, '../..');

describe('gpuplan validate (built CLI)', () => {
  it('docker run vllm/vllm-openai:latest vllm serve MODEL: an error naming the repeated serve; without the repeat, clean', () => {
    const broken = gpuplan(['validate', 'test/fixtures/validate/broken/repeated-serve.sh']);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/error +vllm\/vllm-openai:latest already runs the server; its command `vllm serve …` is passed to it as arguments.*unrecognized arguments: serve/);
    const clean = gpuplan(['validate', 'test/fixtures/validate/valid/vllm-docker-run-latest.sh', '--format', 'json']);
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({ errors: 0, warnings: 0 });
  });

  it('every file under examples/ validates clean (exit 0)', () => {
    const r = gpuplan(['validate', 'examples/'], ROOT);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/23 file\(s\), 23 checked, 24 server launch\(es\): 0 error\(s\), 0 warning\(s\)/);
    expect(r.code).toBe(0);
  });

  it('the valid corpus is clean; the broken one exits 1 with findings grouped by file', () => {
    expect(gpuplan(['validate', fixture('validate/valid')]).code).toBe(0);
    const r = gpuplan(['validate', fixture('validate/broken')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/broken\/tp-heads\.sh\n +3 +error +TP 3 does not divide/);
  });

  it('--format json is the ValidateResult schema; --format github prints annotations', () => {
    const json = gpuplan(['validate', fixture('validate/broken/unknown-flag.yml'), '--format', 'json']);
    const result = ValidateResultSchema.parse(JSON.parse(json.stdout));
    expect(result.findings.find((f) => f.severity === 'error')).toMatchObject({ rule: 'unknown-flag', line: 7, fix: 'did you mean --tensor-parallel-size?' });
    const gh = gpuplan(['validate', fixture('validate/broken/unknown-flag.yml'), '--format', 'github']);
    expect(gh.stdout).toMatch(/^::error file=.*unknown-flag\.yml,line=7,title=gpuplan unknown-flag::vLLM 0\.11\.0 has no option --tensor-paralel-size/m);
  });

  it('globs and --gpus: memory against the GPUs the files will run on', () => {
    const r = gpuplan(['validate', 'examples/deepseek-r1-8xa100/*', '--gpus', '8xA100-40G'], ROOT);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/awq-int4 on 8 × a100-40g at 32768 tokens: weights .* exceed 0\.92 × 39\.50 GiB/);
  });

  it.each([
    [['validate', '/nonexistent/compose.yml'], /^gpuplan: "\/nonexistent\/compose.yml": no such file or directory/],
    [['validate', 'nothing/**/*.yml'], /the pattern matches no files/],
    [['validate', 'examples/', '--gpus', 'eight'], /option --gpus "eight": expected COUNTxGPU/],
    [['validate', 'examples/', '--gpu', 'z100'], /unknown GPU "z100"/],
    [['validate', 'examples/', '--format', 'xml'], /--format/],
  ])('unreadable input %j → exit 2, one line', (args, message) => {
    const r = gpuplan(args as string[], ROOT);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('an unreadable file → exit 2 naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpuplan-validate-'));
    const file = join(dir, 'compose.yml');
    writeFileSync(file, 'services: {}\n', { mode: 0o000 });
    const r = gpuplan(['validate', file]);
    // root reads anything; elsewhere the permission error is the expected exit 2
    if (process.getuid?.() === 0) expect(r.code).toBe(0);
    else expect(r.stderr).toMatch(/cannot read it \(EACCES\)/);
  });
});

describe('validate reads the launch settings that move memory (issue 17 review)', () => {
  it('llama.cpp --ubatch-size grows each slot’s sliding-window cache (b10573: min(n_ctx_seq, window + n_ubatch) per slot)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpuplan-ubatch-'));
    const out = join(dir, 'd');
    const plan = gpuplan(['plan', '--model', 'gemma3-27b', '--quant', 'q4_0', '--budget', '1xrtx-4090', '--engine', 'llamacpp', '--concurrency', '5', '--context', '8192', '--out', out]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(gpuplan(['validate', out]).code).toBe(0);
    // The compose file's command names the GPU through its device reservation: give it a larger physical batch.
    const compose = join(out, 'docker-compose.yml');
    const text = readFileSync(compose, 'utf8');
    expect(text).toContain('      - --port\n');
    writeFileSync(compose, text.replace('      - --port\n', '      - --ubatch-size\n      - "4096"\n      - --port\n'));
    const r = gpuplan(['validate', compose]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/only \d+ of 63 layers fit/);
  });
});
