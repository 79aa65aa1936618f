import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planFromOptions, type PlanOptions } from '../../src/cli/plan.js';
import { tensorParallelLayouts } from '../../src/engines/common.js';
import { PlanResultSchema, type PlanResult } from '../../src/planner/schema.js';
import { catalog, model } from '../helpers.js';

const defaults: Omit<PlanOptions, 'model' | 'budget'> = { engine: 'auto', concurrency: 1, minBits: 4, kvDtype: 'auto', top: 3 };

function planFor(modelId: string, budget: string, options: Partial<PlanOptions> = {}): Promise<PlanResult> {
  return planFromOptions(catalog, { ...defaults, model: modelId, budget, ...options });
}

const GiB = 2 ** 30;

describe('plan deepseek-r1-671b --budget 8xA100 (issue must-show)', async () => {
  const result = await planFor('deepseek-r1-671b', '8xA100');
  const plan = result.plan!;

  it('picks 8 × A100-80G with a published 4-bit artifact', () => {
    expect(plan.gpu.id).toBe('a100-80g');
    expect(plan.gpuCount).toBe(8);
    expect(plan.bits).toBe(4);
    expect(plan.weightsOrigin).toBe('artifact');
    const published = model('deepseek-r1-671b').artifacts.map((a) => a.source);
    expect(published).toContain(plan.artifact?.source);
  });

  it('shows the memory per GPU within what the engine may use, KV at 70,272 B/token (config.json MLA)', () => {
    const m = plan.memory.perGpu;
    expect(m.weights + m.kvCache + m.activations + m.overhead).toBe(m.total);
    expect(m.total).toBeLessThanOrEqual(m.capacity);
    expect(plan.memory.kvBytesPerToken).toBe(70_272);
    // ~350 GB of 4-bit weights over 8 GPUs
    expect(m.weights / GiB).toBeGreaterThan(38);
    expect(m.weights / GiB).toBeLessThan(52);
  });

  it('rejects the FP8 checkpoint on the same GPUs: the 688.6 GB checkpoint leaves > 72 GiB per GPU', () => {
    const fp8 = result.rejected.find((r) => r.gpu === 'a100-80g' && r.gpuCount === 8 && r.quantization === 'fp8');
    expect(fp8?.verdict.status).toBe('wont-start');
    expect(fp8?.verdict.message).toMatch(/weights 7\d\.\d\d GiB .* exceed 0\.92 × 79\.25 GiB = 72\.91 GiB/);
  });

  it('rejects 8 × A100-40G at ≥ 4 bits, with the reason', () => {
    const cheaper = result.rejected.filter((r) => r.gpu === 'a100-40g' && r.gpuCount === 8);
    expect(cheaper.map((r) => r.quantization)).toEqual(expect.arrayContaining(['awq-int4', 'q4_k_m']));
    for (const r of cheaper) expect(r.verdict.message).toMatch(/exceed|layers fit|weights alone are/);
  });

  it('lists runners-up no better ranked than the plan', () => {
    for (const alt of result.alternatives) expect(alt.costPerHour).toBeGreaterThanOrEqual(plan.costPerHour);
  });

  it('is the JSON contract of docs/ARCHITECTURE.md (zod schema)', () => {
    expect(() => PlanResultSchema.parse(JSON.parse(JSON.stringify(result)))).not.toThrow();
  });
});

describe('plan deepseek-r1-671b --budget 8xA100-40G', async () => {
  const none = await planFor('deepseek-r1-671b', '8xA100-40G');

  it('finds nothing at ≥ 4 bits and suggests a lower quant, more GPUs, CPU offload and a distill', () => {
    expect(none.plan).toBeNull();
    const kinds = none.suggestions.map((s) => s.kind);
    expect(kinds).toEqual(expect.arrayContaining(['lower-quantization', 'more-gpus', 'cpu-offload', 'distill']));
    const distill = none.suggestions.find((s) => s.kind === 'distill')!;
    expect(model('deepseek-r1-671b').distills.some((id) => distill.command.includes(id))).toBe(true);
    const offload = none.suggestions.find((s) => s.kind === 'cpu-offload')!;
    expect(offload.message).toMatch(/GiB of host RAM/);
    expect(offload.decodeTokensPerSecond).toBeLessThan(10);
  });

  it('with --min-bits 1.5 plans a dynamic low-bit GGUF', async () => {
    const low = await planFor('deepseek-r1-671b', '8xA100-40G', { minBits: 1.5 });
    expect(low.plan?.quantization).toMatch(/^ud-/);
    expect(low.plan?.artifact?.format).toBe('gguf');
    expect(low.plan?.gpu.id).toBe('a100-40g');
  });
});

describe('small and budget-priced plans', () => {
  it('deepseek-r1-distill-qwen-7b fits on one RTX 4090', async () => {
    const r = await planFor('deepseek-r1-distill-qwen-7b', '4090');
    expect(r.plan?.gpu.id).toBe('rtx-4090');
    expect(r.plan?.gpuCount).toBe(1);
  });

  it('$5/h for a 70B at 4 bits picks the cheapest GPUs that fit: no cheaper shape fits', async () => {
    const r = await planFor('llama-3.1-70b', '$5/h');
    const plan = r.plan!;
    expect(plan.costPerHour).toBeLessThanOrEqual(5);
    expect(plan.bits).toBeGreaterThanOrEqual(4);
    // Brute force: every single GPU type at every count that costs less finds nothing.
    for (const gpu of catalog.gpus) {
      for (const count of [1, 2, 4, 8]) {
        if (count > gpu.maxPerNode || count * gpu.pricePerHour >= plan.costPerHour - 1e-9) continue;
        const cheaper = await planFor('llama-3.1-70b', `${count}x${gpu.id}`, { top: 0 });
        expect(cheaper.plan?.costPerHour ?? Infinity, `${count}x${gpu.id}`).toBeGreaterThanOrEqual(plan.costPerHour);
      }
    }
  });

  it('--prices changes the ranking: a cheap A100-40G price makes it the choice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpuplan-prices-'));
    const file = join(dir, 'prices.yaml');
    writeFileSync(file, 'a100-40g: 0.10\n');
    const r = await planFor('deepseek-r1-distill-qwen-7b', '4xA100', { prices: file });
    expect(r.plan?.gpu.id).toBe('a100-40g');
    expect(r.plan?.costPerHour).toBeCloseTo(0.1, 5);
  });

  it('--engine ollama plans the Ollama tag with num_ctx and the parallel slots', async () => {
    // Q4_K_M is published both as the library tag and as Hugging Face files Ollama could pull: the tag wins.
    const r = await planFor('deepseek-r1-distill-qwen-7b', '4090', { engine: 'ollama', concurrency: 2, context: 8192, quant: 'q4_k_m' });
    expect(model('deepseek-r1-distill-qwen-7b').artifacts.filter((a) => a.quantization === 'q4_k_m' && a.source.startsWith('hf:')).length).toBeGreaterThan(0);
    expect(r.plan?.engine).toBe('ollama');
    expect(r.plan?.artifact?.source).toBe('ollama:deepseek-r1:7b');
    expect(r.plan?.settings).toMatchObject({ num_ctx: 8192, OLLAMA_NUM_PARALLEL: 2 });
    expect(r.plan?.memory.kvCacheTokens).toBe(16384);
  });

  it('--cpu-offload lets llama.cpp/Ollama keep layers in host RAM, with host RAM planned', async () => {
    const r = await planFor('deepseek-r1-671b', '1xA100-80G', { cpuOffload: true, engine: 'ollama' });
    const p = r.plan!;
    expect(p.memory.gpuLayers).toBeLessThan(62);
    expect(p.memory.hostWeightBytes).toBeGreaterThan(200 * GiB);
    expect(p.memory.hostRamBytes).toBeGreaterThan(p.memory.hostWeightBytes);
    expect(p.perf.bound).toBe('host-memory');
  });

  it('--quant restricts the quantizations', async () => {
    const r = await planFor('llama-3.1-70b', '8xA100', { quant: 'bf16' });
    expect(r.plan?.quantization).toBe('bf16');
  });
});

describe('parallel layouts (engine rules)', () => {
  it('TP divides the attention heads and stays in a node: Qwen2.5-7B (28 heads, 4 KV heads) on 8 GPUs', () => {
    const arch = model('qwen2.5-7b').architecture!;
    const layouts = tensorParallelLayouts(arch, 8, 1);
    expect(typeof layouts).not.toBe('string');
    // 8 does not divide 28; 4 does, so TP4 × PP2 is the widest TP.
    expect(layouts).toContainEqual({ tp: 4, pp: 2 });
    expect(layouts).not.toContainEqual({ tp: 8, pp: 1 });
  });

  it('across nodes TP stays within a node and PP spans the nodes (2 × 8 GPUs)', () => {
    const arch = model('deepseek-r1-671b').architecture!;
    const layouts = tensorParallelLayouts(arch, 16, 2);
    expect(layouts).toContainEqual({ tp: 8, pp: 2 });
    expect(layouts).not.toContainEqual({ tp: 16, pp: 1 });
  });
});

describe('bad input', () => {
  it('an unknown --quant names the closest', async () => {
    await expect(planFor('llama-3.1-8b', '4090', { quant: 'awq4' })).rejects.toThrow(/awq-int4/);
  });
  it('a --context beyond the model maximum says the maximum', async () => {
    await expect(planFor('qwen2.5-7b', '4090', { context: 1_000_000 })).rejects.toThrow(/at most 32768/);
  });
  it('a prices file naming an unknown GPU is rejected with the nearest names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpuplan-prices-'));
    const file = join(dir, 'prices.json');
    writeFileSync(file, '{"a1000": 1}');
    await expect(planFor('llama-3.1-8b', '4090', { prices: file })).rejects.toThrow(/unknown GPU "a1000".*a100/);
  });
});

describe('every engine reports a per-GPU table that adds up and fits', () => {
  it.each([
    ['vllm', 'deepseek-r1-distill-llama-70b', 4],
    ['sglang', 'deepseek-r1-distill-llama-70b', 4],
    ['ollama', 'deepseek-r1-distill-llama-70b', 4],
    // The catalog's llama.cpp-loadable R1 files are the Unsloth dynamic GGUFs on Hugging Face.
    ['llamacpp', 'deepseek-r1-671b', 1.5],
  ] as const)('%s (%s)', async (engine, modelId, minBits) => {
    const r = await planFor(modelId, '8xA100', { engine, top: 5, minBits });
    const all = [r.plan!, ...r.alternatives];
    expect(all.length).toBeGreaterThan(0);
    for (const c of all) {
      const m = c.memory.perGpu;
      expect(c.engine).toBe(engine);
      expect(Math.abs(m.weights + m.kvCache + m.activations + m.overhead - m.total)).toBeLessThanOrEqual(4);
      expect(m.total).toBeLessThanOrEqual(m.capacity);
      expect(c.memory.kvCacheTokens).toBeGreaterThanOrEqual(c.context * c.concurrency);
    }
  });
});

describe('SGLang 0.5.3 defaults (python/sglang/srt/server_args.py _handle_gpu_memory_settings)', () => {
  it('mem_fraction_static: the worked examples of the 0.5.3 formula (H100 80GB TP1 → 0.835, 24 GB → 0.848, 48 GB → 0.861)', async () => {
    const { defaultMemFractionStatic } = await import('../../src/engines/sglang/memory.js');
    const { SGLANG_RELEASES } = await import('../../src/engines/sglang/releases.js');
    const r053 = SGLANG_RELEASES.find((r) => r.version === '0.5.3')!;
    const { findGpu } = await import('../../src/catalog/lookup.js');
    // H100: reserve max(512 + 8192×1.5 + 256×2 + 1/8×1024, 10240) = 13,440 MiB of 81,559.
    expect(defaultMemFractionStatic(r053, findGpu(catalog, 'h100-sxm'), 1, 1)).toBe(0.835);
    // RTX 4090 (24,564 MiB): 512 + 3072 + 32 + 128 = 3,744 → 0.848.
    expect(defaultMemFractionStatic(r053, findGpu(catalog, 'rtx-4090'), 1, 1)).toBe(0.848);
    // RTX A6000 (49,140 MiB): 512 + 6144 + 64 + 128 = 6,848 → 0.861.
    expect(defaultMemFractionStatic(r053, findGpu(catalog, 'rtx-a6000'), 1, 1)).toBe(0.861);
    // TP8 on H100: 512 + 12288 + 1024 + 1024 = 14,848 → 0.818.
    expect(defaultMemFractionStatic(r053, findGpu(catalog, 'h100-sxm'), 8, 1)).toBe(0.818);
  });
  it('chunked_prefill_size by memory tier: 2048 < 35 GiB ≤ 4096 < 60 GiB ≤ 8192 < 160 GiB ≤ 16384', async () => {
    const { defaultChunkedPrefill } = await import('../../src/engines/sglang/memory.js');
    const { SGLANG_RELEASES } = await import('../../src/engines/sglang/releases.js');
    const r053 = SGLANG_RELEASES.find((r) => r.version === '0.5.3')!;
    const { findGpu } = await import('../../src/catalog/lookup.js');
    expect(['rtx-4090', 'l40s', 'h100-sxm', 'h200', 'mi300x'].map((id) => defaultChunkedPrefill(r053, findGpu(catalog, id)))).toEqual([2048, 4096, 8192, 8192, 16384]);
  });
});

describe('a variant made at load is left to its published twin', () => {
  it('vLLM 0.16.0 does not load Gemma 4: FP16 made from the BF16 checkpoint adds no rejection of its own beside the BF16 one', async () => {
    const result = await planFor('gemma-4-26b-a4b', '1xH100', { engine: 'vllm', engineVersion: '0.16.0', quant: 'fp16,bf16' });
    expect(result.plan).toBeNull();
    const said = result.rejected.map((r) => `${r.gpu} ${r.quantization} ${r.verdict.reason}`);
    expect(said).toContain('h100-sxm bf16 model-unsupported');
    expect(said.filter((s) => s.includes(' fp16 '))).toEqual([]);
  });
});
