/**
 * Issue 13's must-shows: the commands that gave plans which would not start now give plans
 * that start, or exit 1 with the engine's own reason; and each feasibility rule holds
 * against an independent source (an engine's source file or a published log).
 */
import { describe, expect, it } from 'vitest';
import { findGpu, findQuantization } from '../../src/catalog/lookup.js';
import { descriptorOf, engineRelease } from '../../src/engines/registry.js';
import { modelVariant } from '../../src/engines/variant.js';
import { ggufKvLayout, kvLayout } from '../../src/memory/kvcache.js';
import { countParams } from '../../src/memory/params.js';
import { gpuplan } from '../cli/run.js';
import { loadLogFixtures, replay } from '../corpus/engine-logs.js';
import { catalog, model } from '../helpers.js';

const GiB = 2 ** 30;

describe('plans that would not start (issue 13)', () => {
  it('llama-3.1-70b on 4 × RTX 4090: no FP8 made at load time, whose 16-bit load peak does not fit 24 GB', () => {
    const r = gpuplan(['plan', '--model', 'llama-3.1-70b', '--budget', '4xRTX4090', '--engine', 'vllm', '--quant', 'fp8', '--context', '4096', '--json']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    // The published FP8 checkpoint loads as FP8; quantizing the BF16 one at load would not.
    expect(result.plan.weightsOrigin).toBe('artifact');
    expect(result.plan.artifact.source).toBe('hf:RedHatAI/Meta-Llama-3.1-70B-Instruct-FP8');
    const spec = model('llama-3.1-70b');
    const arch = spec.architecture!;
    const bf16 = spec.artifacts.find((a) => a.quantization === 'bf16') ?? null;
    const online = modelVariant(spec, arch, countParams(arch), findQuantization(catalog, 'fp8'), bf16, 'online');
    const fit = engineRelease('vllm', null).fit({
      variant: online,
      gpu: findGpu(catalog, 'rtx-4090'),
      gpuCount: 4,
      nodes: 1,
      tp: 4,
      pp: 1,
      context: 32768,
      concurrency: 1,
      kvDtype: 'auto',
      memoryFraction: null,
      cpuOffload: false,
    });
    expect(fit.verdict.reason).toBe('load-peak-exceeds-memory');
    // 141 GB of BF16 over 4 GPUs is 32.85 GiB per GPU; the RTX 4090 has 23.52 GiB as CUDA reports it.
    expect(fit.verdict.message).toMatch(/32\.\d\d GiB share per GPU does not fit 23\.52 GiB/);
  });

  it("Gemma 3 in float16 on vLLM: cannot run, with vLLM's own ValueError (vllm/config/model.py _FLOAT16_NOT_SUPPORTED_MODELS)", () => {
    const r = gpuplan(['estimate', '--model', 'gemma3-27b', '--quant', 'fp16', '--gpu', 'a100-80g', '--engine', 'vllm', '--json']);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.verdict).toMatchObject({ status: 'cannot-run', reason: 'dtype-refused' });
    expect(json.engine.logLines).toEqual(["ValueError: The model type 'gemma3_text' does not support float16. Reason: Numerical instability. Please use bfloat16 or float32 instead."]);
    // The planner never offers it: on T4s (no bf16) Gemma 3 goes to an engine that runs it.
    const plan = JSON.parse(gpuplan(['plan', '--model', 'gemma3-27b', '--budget', '2xT4', '--json']).stdout);
    expect(plan.plan === null || !(plan.plan.engine === 'vllm' && plan.plan.quantization === 'fp16')).toBe(true);
  });

  it('SGLang launches leave --max-running-requests to SGLang, which sizes it from its pool', () => {
    const r = gpuplan(['plan', '--model', 'qwen2.5-72b', '--budget', '4xH100-SXM', '--engine', 'sglang', '--json']);
    const plan = JSON.parse(r.stdout).plan;
    expect(plan.engine).toBe('sglang');
    expect(Object.keys(plan.settings)).not.toContain('max-running-requests');
  });

  it('gpt-oss-120b at TP 2 × PP 12 on RTX 3090s, 128 × 131,072 tokens: the fullest stage needs about 32 GiB of KV, so not "fits"', () => {
    const r = gpuplan(['estimate', '--model', 'gpt-oss-120b', '--tp', '2', '--pp', '12', '--context', '131072', '--concurrency', '128', '--gpu', 'rtx-3090', '--engine', 'vllm', '--json']);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.verdict.status).toBe('reduced-concurrency');
    // Stage 2 holds layers 3–5: two full-attention layers (3, 5) of 4 KV heads per rank at TP 2.
    const request = json.terms
      .find((t: { name: string }) => t.name === 'kv cache')
      .formula.match(/× ([\d,]+) B per 131072-token request/)[1]
      .replaceAll(',', '');
    expect((128 * Number(request)) / GiB).toBeGreaterThan(31.5);
    expect((128 * Number(request)) / GiB).toBeLessThan(33);
  });

  it('SGLang whose pool is smaller than the context starts and caps requests (scheduler max_req_len), not "will not start"', () => {
    const r = gpuplan(['estimate', '--model', 'llama-3.1-8b', '--gpu', 'rtx-3090', '--engine', 'sglang', '--context', '131072', '--json']);
    const json = JSON.parse(r.stdout);
    expect(json.verdict.status).toBe('reduced-concurrency');
    expect(json.verdict.message).toMatch(/SGLang starts, but caps each request at [\d,]+ tokens/);
  });

  it('a config.json model that is no catalog model gets the engine accounting', () => {
    const r = gpuplan(['estimate', '--model', 'test/fixtures/configs/llama-2-7b.config.json', '--gpu', 'a10g', '--engine', 'vllm', '--json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.engine).toMatchObject({ engine: 'vllm', version: descriptorOf('vllm').defaultVersion, verdict: { status: 'fits' } });
    // Llama-2-7B (config.json): 32 layers × 32 KV heads × 128 × 2 × 2 B = 524,288 B per token.
    const perToken = 32 * 32 * 128 * 2 * 2;
    const { availableKvBytes, kvPoolTokens, maxConcurrency } = json.engine;
    // vLLM's own relations (kv_cache_utils.py): whole 16-token blocks of the available memory;
    // concurrency = blocks / cdiv(4,096, 16) for a model without sliding windows.
    expect(kvPoolTokens % 16).toBe(0);
    expect(kvPoolTokens * perToken).toBeLessThanOrEqual(availableKvBytes);
    expect((kvPoolTokens + 16) * perToken).toBeGreaterThan(availableKvBytes);
    expect(maxConcurrency).toBeCloseTo(kvPoolTokens / 4096, 2);
  });
});

describe('feasibility rules', () => {
  it("llama.cpp KV of DeepSeek GGUFs converted before llama.cpp's MLA cache: every head's K and V (Ollama logs 9.5 GiB at 2,048 tokens)", () => {
    const arch = model('deepseek-r1-671b').architecture!;
    const heads = ggufKvLayout(arch, 'f16', 'heads');
    // 61 layers × 128 heads × (192 + 128) × 2 B.
    expect(heads.perToken).toBe(4_997_120);
    // ollama-0.5.6-deepseek-v3-671b-rtx-3090-1-layer: 160 MiB on the GPU (1 layer) + 9,600 MiB on the CPU.
    expect((heads.perToken * 2048) / 2 ** 20).toBe(160 + 9600);
    // A GGUF with the latent cache: K 576 and V 512 per layer (llamacpp DeepSeek-V3-0324 UD-Q2_K_XL at b5331: K 1,098 MiB + V 976 MiB at 16,384 tokens).
    const latent = ggufKvLayout(arch, 'f16', 'latent');
    expect(latent.perToken * 16_384).toBe((1098 + 976) * 2 ** 20);
    // vLLM and SGLang cache the 576-element latent only.
    expect(kvLayout(arch, 'auto').perToken).toBe(70_272);
  });

  it('catalog DeepSeek GGUFs from before April 2025 are marked as full-head caches', () => {
    const r1 = model('deepseek-r1-671b').artifacts.filter((a) => a.format === 'gguf');
    expect(r1.length).toBeGreaterThan(0);
    for (const artifact of r1) expect(artifact.ggufMlaCache, artifact.source).toBe('heads');
  });

  it('vLLM refuses a load-time FP8 whose 16-bit checkpoint share does not fit, and accepts it when it does', () => {
    const spec = model('llama-3.1-8b');
    const arch = spec.architecture!;
    const bf16 = spec.artifacts.find((a) => a.quantization === 'bf16') ?? null;
    const variant = modelVariant(spec, arch, countParams(arch), findQuantization(catalog, 'fp8'), bf16, 'online');
    const base = { variant, gpuCount: 1, nodes: 1, tp: 1, pp: 1, context: 4096, concurrency: 1, kvDtype: 'auto' as const, memoryFraction: null, cpuOffload: false };
    // 16 GB of BF16 on a 12 GB card: out of memory while loading.
    expect(engineRelease('vllm', null).fit({ ...base, gpu: findGpu(catalog, 'rtx-3060-12g') }).verdict.reason).toBe('load-peak-exceeds-memory');
    // On an H100 it loads, and the served weights are FP8: the logged 8.49 GiB (vllm-llmd-…-qfp8).
    const h100 = engineRelease('vllm', '0.16.0').fit({ ...base, gpu: findGpu(catalog, 'h100-sxm') });
    expect(h100.verdict.status).toBe('fits');
    expect(h100.perGpu.weights / GiB).toBeCloseTo(8.49, 1);
  });

  it('no vLLM or SGLang log whose engine started is judged "will not start"; the ones that failed are', () => {
    const logs = loadLogFixtures().filter((f) => f.engine === 'vllm' || f.engine === 'sglang');
    const started = logs.filter((f) => !f.failed && typeof f.observed.kvTokens === 'number');
    expect(started.length).toBeGreaterThan(30);
    const refused = (status: string) => status === 'wont-start' || status === 'cannot-run';
    const wrong = started.map(replay).filter((r) => refused(r.fit.verdict.status));
    expect(wrong.map((r) => `${r.fixture.id}: ${r.fit.verdict.message}`)).toEqual([]);
    const failed = logs.filter((f) => f.failed).map(replay);
    expect(failed.length).toBeGreaterThanOrEqual(2);
    expect(failed.filter((r) => !refused(r.fit.verdict.status)).map((r) => r.fixture.id)).toEqual([]);
  });
});
