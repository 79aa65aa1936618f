import { describe, expect, it } from 'vitest';
import { gpuplan } from './run.js';

const noStackTrace = (text: string) => expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);

describe('gpuplan plan (built CLI)', () => {
  it('prints the plan, the memory table, why not cheaper, and says speeds are estimates', () => {
    const r = gpuplan(['plan', '--model', 'deepseek-r1-671b', '--budget', '8xA100']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/PLAN {2}8 × NVIDIA A100 80GB/);
    expect(r.stdout).toMatch(/Memory per GPU/);
    expect(r.stdout).toMatch(/headroom/);
    expect(r.stdout).toMatch(/Why not cheaper/);
    expect(r.stdout).toMatch(/8xa100-80g fp8 vllm tp8 .*exceed/);
    expect(r.stdout).toMatch(/8xa100-40g .*: /);
    expect(r.stdout).toMatch(/Speeds are estimates/);
  });

  it('nothing fits: exit 1, plan null in JSON, suggestions with commands', () => {
    const r = gpuplan(['plan', '--model', 'deepseek-r1-671b', '--budget', '8xA100-40G', '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const json = JSON.parse(r.stdout);
    expect(json.plan).toBeNull();
    expect(json.suggestions.length).toBeGreaterThanOrEqual(3);
    expect(json.suggestions[0].command).toMatch(/^gpuplan plan --model deepseek-r1-671b/);
  });

  it('--json carries the contract fields', () => {
    const r = gpuplan(['plan', '--model', 'deepseek-r1-distill-qwen-7b', '--budget', '4090', '--json']);
    expect(r.code).toBe(0);
    const { request, plan } = JSON.parse(r.stdout);
    expect(request).toMatchObject({ model: 'deepseek-r1-distill-qwen-7b', budget: '4090', context: 32768, concurrency: 1 });
    for (const key of ['engine', 'gpu', 'gpuCount', 'nodes', 'tensorParallel', 'pipelineParallel', 'replicas', 'quantization', 'artifact', 'memory', 'costPerHour', 'perf', 'files']) {
      expect(plan).toHaveProperty(key);
    }
    expect(Object.keys(plan.memory.perGpu).sort()).toEqual(['activations', 'capacity', 'kvCache', 'overhead', 'total', 'weights']);
  });

  it.each([
    ['8xZ100', /budget "8xZ100": unknown GPU "Z100"; nearest GPU names: .*a100/],
    ['0xA100', /budget "0xA100": GPU count must be at least 1/],
    ['x8', /budget "x8": .*nearest GPU names/],
    ['$-3/h', /budget "\$-3\/h": a price must be a positive number/],
  ])('bad budget %s → exit 2, one line naming the bad part', (budget, message) => {
    const r = gpuplan(['plan', '--model', 'deepseek-r1-671b', '--budget', budget]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    noStackTrace(r.stderr);
  });

  it('bad option values exit 2 with the valid choices', () => {
    const engine = gpuplan(['plan', '--model', 'llama-3.1-8b', '--budget', '4090', '--engine', 'tgi']);
    expect(engine.code).toBe(2);
    expect(engine.stderr).toMatch(/valid choices: auto, vllm, sglang, ollama, llamacpp/);
    const util = gpuplan(['plan', '--model', 'llama-3.1-8b', '--budget', '4090', '--gpu-mem-util', '1.5']);
    expect(util.code).toBe(2);
    expect(util.stderr).toMatch(/at most 1/);
  });
});
