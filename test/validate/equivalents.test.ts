/**
 * validate's fixes by meaning (issue 14's list of wrong suggestions) and flags of other
 * recorded releases.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gpuplan } from '../cli/run.js';

function validateText(name: string, text: string): { code: number | null; findings: { rule: string; severity: string; message: string; fix: string | null }[] } {
  const dir = mkdtempSync(join(tmpdir(), 'gpuplan-equivalents-'));
  writeFileSync(join(dir, name), text);
  const r = gpuplan(['validate', join(dir, name), '--format', 'json']);
  return { code: r.code, findings: JSON.parse(r.stdout).findings };
}

describe('fixes by meaning, not spelling (issue 14)', () => {
  it.each([
    ['vllm serve meta-llama/Llama-3.1-8B-Instruct --mem-fraction-static 0.8', '--mem-fraction-static', '--gpu-memory-utilization'],
    ['llama-server -m /models/llama.gguf --max-model-len 8192', '--max-model-len', '--ctx-size'],
    ['python3 -m sglang.launch_server --model-path meta-llama/Llama-3.1-8B-Instruct --max-model-len 8192', '--max-model-len', '--context-length'],
    ['python3 -m sglang.launch_server --model-path meta-llama/Llama-3.1-8B-Instruct --gpu-memory-utilization 0.8', '--gpu-memory-utilization', '--mem-fraction-static'],
    ['llama-server -m /models/llama.gguf --max-num-seqs 4', '--max-num-seqs', '--parallel'],
  ])('%s → %s means %s', (line, wrong, right) => {
    const r = validateText('run.sh', `#!/bin/sh\n${line}\n`);
    const finding = r.findings.find((f) => f.rule === 'unknown-flag');
    expect(finding?.message).toContain(wrong);
    expect(finding?.fix?.startsWith(`${right} (`)).toBe(true);
  });

  it('Modelfile max_tokens → num_predict (Ollama api.Options)', () => {
    const r = validateText('Modelfile', 'FROM llama3.1:8b\nPARAMETER max_tokens 512\n');
    expect(r.findings[0]?.fix).toBe("PARAMETER num_predict … (Ollama's name for max_tokens)");
  });

  it('an option of another recorded release is a warning naming that release, not an unknown flag', () => {
    // --guided-decoding-backend is in vLLM 0.11.0's argument parser and gone from 0.16.0's (catalogs/engine-flags).
    const r = validateText(
      'docker-compose.yml',
      'services:\n  vllm:\n    image: vllm/vllm-openai:v0.16.0\n    command: ["meta-llama/Llama-3.1-8B-Instruct", "--guided-decoding-backend", "xgrammar"]\n    ports: ["8000:8000"]\n    ipc: host\n    deploy:\n      resources:\n        reservations:\n          devices:\n            - driver: nvidia\n              count: 1\n              capabilities: [gpu]\n',
    );
    const finding = r.findings.find((f) => f.rule === 'other-release-flag');
    expect(finding).toMatchObject({ severity: 'warning', message: '--guided-decoding-backend is an option of vLLM 0.11.0, not of 0.16.0, the release this launch runs' });
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });
});

describe('nothing dropped silently (issue 14)', () => {
  it('a file that runs nothing gpuplan recognises is counted and explained; --strict fails on it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpuplan-strict-'));
    writeFileSync(
      join(dir, 'deployment.yaml'),
      'apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: vllm\n          image: {{ .Values.image }}\n',
    );
    const json = JSON.parse(gpuplan(['validate', join(dir, 'deployment.yaml'), '--format', 'json']).stdout);
    expect(json.notUnderstood).toBe(1);
    expect(json.files[0].notUnderstood).toMatch(/^a Helm template: render it first \(helm template/);
    const text = gpuplan(['validate', join(dir, 'deployment.yaml')]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/1 not understood \(--verbose says why\)/);
    expect(gpuplan(['validate', join(dir, 'deployment.yaml'), '--strict']).code).toBe(1);
  });

  it('an image built from vllm/vllm-openai (lmcache/vllm-openai) runs the same server: its launch is checked', () => {
    const json = JSON.parse(gpuplan(['validate', 'test/fixtures/validate/valid/lmcache-vllm-compose.yml', '--format', 'json']).stdout);
    expect(json.files[0]).toMatchObject({ kind: 'compose', launches: 1, notUnderstood: null });
  });
});
