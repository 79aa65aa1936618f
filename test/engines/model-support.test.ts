/**
 * Issue 17, item 5: every recorded engine release lists the architectures it loads
 * (catalogs/engine-models/, from scripts/engine-facts/model-types.mjs), and a plan never names a
 * release that cannot load the model. The expectations come from the engines' own release history
 * as others reported it, not from the lists.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DESCRIPTORS } from '../../src/engines/registry.js';
import { modelSupport } from '../../src/engines/model-support.js';
import { gpuplan } from '../cli/run.js';
import { fixture } from '../helpers.js';

describe('catalogs/engine-models', () => {
  const releases = DESCRIPTORS.flatMap((d) => d.versions.map((v) => [d.id, v] as const));
  it.each(releases)('%s %s has a record of the architectures it loads', (id, version) => {
    const record = modelSupport(id, version);
    expect(record, `catalogs/engine-models/${id}-${version}.json`).not.toBeNull();
    expect(record?.architectures.length).toBeGreaterThan(10);
    expect(record?.architectures).toContain('LlamaForCausalLM');
  });
});

describe('a plan names only a release that loads the model', () => {
  it('vLLM 0.16.0 has no Qwen3.5 (it arrived in v0.16.1rc0); vLLM 0.31.0 has', () => {
    const model = fixture('configs/qwen3.5-27b.config.json');
    const args = ['estimate', '--model', model, '--hf-repo', 'Qwen/Qwen3.5-27B', '--gpu', 'h200', '--engine', 'vllm', '--json'];
    const old = gpuplan([...args, '--engine-version', '0.16.0']);
    expect(old.code).toBe(1);
    expect(JSON.parse(old.stdout).verdict).toMatchObject({ status: 'cannot-run', reason: 'model-unsupported' });
    const current = gpuplan(args);
    expect(current.code, current.stderr).toBe(0);
  });

  it('vLLM 0.11.0 refuses MiniMax-M2 (MiniMax-M2 issue #40: 0.11.0 rejects MiniMaxM2ForCausalLM) but runs Qwen3-Next (added in 0.10.2)', () => {
    expect(modelSupport('vllm', '0.11.0')?.architectures).not.toContain('MiniMaxM2ForCausalLM');
    expect(modelSupport('vllm', '0.11.0')?.architectures).toContain('Qwen3NextForCausalLM');
  });

  it('llama.cpp b6550 predates qwen3next (first in b7186); b10573 and Ollama 0.32.15 run it', () => {
    expect(modelSupport('llamacpp', 'b6550')?.ggufArchitectures).not.toContain('qwen3next');
    expect(modelSupport('llamacpp', 'b10573')?.ggufArchitectures).toContain('qwen3next');
    expect(modelSupport('ollama', '0.32.15')?.ggufArchitectures).toContain('qwen3next');
  });

  it('render --engine-version will not re-target a plan at a release that cannot load its model', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpuplan-retarget-'));
    expect(gpuplan(['plan', '--model', 'qwen3-next-80b-a3b', '--budget', '1xH100-SXM', '--engine', 'llamacpp', '--out', join(dir, 'a')]).code).toBe(0);
    const r = gpuplan(['render', join(dir, 'a', 'plan.json'), '--engine-version', 'b6550', '--out', join(dir, 'b')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/llama.cpp b6550 cannot load GGUF architecture "qwen3next"/);
    expect(existsSync(join(dir, 'b'))).toBe(false);
  });

  it('plan --engine llamacpp --engine-version b6550 refuses Qwen3-Next for its release, not for memory', () => {
    const r = gpuplan(['plan', '--model', 'qwen3-next-80b-a3b', '--budget', '1xH100-SXM', '--engine', 'llamacpp', '--engine-version', 'b6550', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.stringify(JSON.parse(r.stdout).rejected)).toMatch(/cannot load GGUF architecture \\"qwen3next\\"/);
  });

  it('plan --model qwen3-next-80b-a3b --budget 1xH100-SXM --out d: a current release that loads it, files written', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gpuplan-qwen3next-')), 'd');
    const r = gpuplan(['plan', '--model', 'qwen3-next-80b-a3b', '--budget', '1xH100-SXM', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout).plan;
    expect(['ollama', 'llamacpp', 'vllm', 'sglang']).toContain(plan.engine);
    expect(plan.engineVersion).toBe(DESCRIPTORS.find((d) => d.id === plan.engine)?.defaultVersion);
    expect(plan.memory.stateBytesPerSequence).toBeGreaterThan(0);
    expect(plan.files.length).toBeGreaterThan(1);
  });
});
