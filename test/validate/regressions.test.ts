/** Cases a review found; each failed before its fix. */
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHubRef } from '../../src/catalog/hub.js';
import { renderPlan } from '../../src/render/render.js';
import { weightsSource } from '../../src/render/source.js';
import { writeRendered } from '../../src/render/write.js';
import { createValidator, validateFile } from '../../src/validate/validate.js';
import { catalog } from '../helpers.js';
import { examplePlan } from '../render/fixtures.js';

const v = createValidator(catalog, null);
const problems = (file: string, text: string) => validateFile(file, Buffer.from(text), v).findings.filter((f) => f.severity !== 'info');

describe('validate', () => {
  it.each([
    ['nohup vllm serve Qwen/Qwen2.5-7B-Instruct --port 8000 > vllm.log 2>&1 &'],
    ['vllm serve Qwen/Qwen2.5-7B-Instruct --max-model-len 8192 2>&1 | tee log.txt'],
    ['vllm serve Qwen/Qwen2.5-7B-Instruct -O3 --hf-overrides.max_model_len 4096 --max-model-len 25.6k'],
  ])('a script with redirections and vLLM shorthands has no findings: %s', (line) => {
    expect(problems('run.sh', `#!/bin/sh\n${line}\n`)).toEqual([]);
  });

  it('vLLM rejects decimals with binary suffixes (32Ki, 2.5K)', () => {
    expect(problems('run.sh', '#!/bin/sh\nvllm serve Qwen/Qwen2.5-7B-Instruct --max-model-len 2.5K\n').map((f) => f.rule)).toEqual(['invalid-value']);
  });

  it('an empty YAML document does not shift which manifest is checked', () => {
    const pod =
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: c\n      image: vllm/vllm-openai:v0.11.0\n      args: ["--model", "Qwen/Qwen2.5-7B-Instruct", "--bogus-flag", "1"]\n      resources: {limits: {nvidia.com/gpu: 1}}\n';
    const found = problems('k8s.yaml', `---\n# empty\n---\n${pod}`);
    expect(found.map((f) => [f.rule, f.line])).toEqual([['unknown-flag', 11]]);
  });

  it('runtime: nvidia (vLLM docs compose) exposes the GPUs', () => {
    const compose = 'services:\n  vllm:\n    image: vllm/vllm-openai:v0.11.0\n    runtime: nvidia\n    ipc: host\n    ports: ["8000:8000"]\n    command: --model Qwen/Qwen2.5-7B-Instruct\n';
    expect(problems('docker-compose.yml', compose)).toEqual([]);
  });

  it('docker run boolean options do not swallow the image', () => {
    const report = validateFile(
      'run.sh',
      Buffer.from('#!/bin/sh\ndocker run --gpus all --oom-kill-disable -p 8000:8000 --ipc=host vllm/vllm-openai:v0.11.0 --model Qwen/Qwen2.5-7B-Instruct --bogus 1\n'),
      v,
    );
    expect(report.launches).toBe(1);
    expect(report.findings.map((f) => f.rule)).toContain('unknown-flag');
  });
});

describe('render and write', () => {
  it('hub references cannot climb out of the cache', () => {
    expect(() => parseHubRef('hf:a/b@../../../evil')).toThrow(/"\." and "\.\." .*are not/);
    // The repo itself: `hf:../model` matched the name pattern and read $XDG_CACHE_HOME/gpuplan/model/main.
    expect(() => parseHubRef('hf:../model')).toThrow(/"\." and "\.\." .*are not/);
    expect(() => parseHubRef('hf:org/..')).toThrow(/"\." and "\.\." .*are not/);
  });

  it('a relative GGUF path mounts its own directory', () => {
    const plan = examplePlan('llamacpp').plan!;
    expect(weightsSource({ ...plan, artifact: { ...plan.artifact!, source: 'file:model.gguf' } })).toMatchObject({ mountDir: '.', containerPath: '/model/model.gguf' });
  });

  it('a target that is a directory stops the write before anything moves; duplicate or no files are refused', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gpuplan-w-')), 'deploy');
    mkdirSync(join(out, 'PLAN.md'), { recursive: true });
    writeFileSync(join(out, 'serve.sh'), 'mine');
    const files = renderPlan(examplePlan('vllm'));
    expect(() => writeRendered(out, files, true)).toThrow(/PLAN.md exist and are not regular files/);
    expect(readdirSync(out).sort()).toEqual(['PLAN.md', 'serve.sh']);
    expect(() => writeRendered(join(out, 'x'), [...files, files[0]!], false)).toThrow(/twice/);
    expect(() => writeRendered(join(out, 'y'), [], false)).toThrow(/no files/);
  });
});
