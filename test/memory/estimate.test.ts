import { describe, expect, it } from 'vitest';
import { catalog, estimateFor } from '../helpers.js';
import { findGpu, findQuantization } from '../../src/catalog/lookup.js';
import { countParams } from '../../src/memory/params.js';
import { weightLayout } from '../../src/memory/weights.js';

describe('estimate', () => {
  it('DeepSeek-R1 at FP16/BF16 is ≈ 1.34 TB of weights; 1,543 GB = that + 15% overhead', () => {
    const e = estimateFor('deepseek-r1-671b', { quant: 'bf16' });
    expect(e.weightsBytes / 1e12).toBeCloseTo(1.342, 3);
    expect((e.weightsBytes * 1.15) / 1e9).toBeCloseTo(1543, -1);
    expect(e.notes.join('\n')).toMatch(/× 1\.15 = 1,543\.\d GB/);
  });

  it('FP8 weights of 671B are ≈ 671 GB, not 386 GB', () => {
    const e = estimateFor('deepseek-r1-671b', { quant: 'fp8' });
    expect(e.weightsBytes / 1e9).toBeGreaterThan(660);
    expect(e.weightsBytes / 1e9).toBeLessThan(700);
  });

  it('Llama-70B inference at 2048 tokens shows each term, and GQA corrects the 5.24 GB KV', () => {
    const e = estimateFor('llama-3.1-70b', { context: 2048 });
    expect(e.terms.map((t) => t.name)).toEqual(['weights', 'kv cache', 'activations', 'overhead']);
    expect(e.perGpu.kvCache).toBe(327_680 * 2048);
    expect(e.notes[0]).toMatch(/8 KV heads \(GQA\).*5\.37 GB.*8× too much/);
    // The seed's 22.5 GB "activations" is a training-style figure; inference keeps one pass.
    expect(e.perGpu.activations / 1e9).toBeLessThan(2);
    expect(e.notes.join('\n')).toMatch(/Training keeps every layer's activations/);
  });

  it('every term carries its formula and the terms add up to the total', () => {
    const e = estimateFor('mixtral-8x7b', { context: 8192, concurrency: 4, tp: 2 });
    for (const t of e.terms) expect(t.formula.length).toBeGreaterThan(5);
    expect(e.terms.reduce((s, t) => s + t.bytes, 0)).toBe(e.perGpu.total);
  });

  it('uses the published artifact size when the catalog knows it (Ollama deepseek-r1:671b, 404 GB)', () => {
    const e = estimateFor('deepseek-r1-671b', { quant: 'q4_k_m' });
    expect(e.weightsBytes).toBe(404e9);
    expect(e.terms[0]!.formula).toMatch(/ollama:deepseek-r1:671b/);
  });

  it('tensor parallel splits the weights; the fullest GPU is reported', () => {
    const one = estimateFor('llama-3.1-70b', {});
    const four = estimateFor('llama-3.1-70b', { tp: 4 });
    expect(four.perGpu.weights).toBeCloseTo(one.perGpu.weights / 4, -3);
  });

  it('with --gpu: capacity, fit and the KV room left', () => {
    const gpu = findGpu(catalog, 'rtx-4090');
    const e = estimateFor('deepseek-r1-distill-qwen-7b', { quant: 'awq-int4', gpu, context: 8192 });
    expect(e.perGpu.capacity).toBe(gpu.memoryBytes);
    expect(e.fits).toBe(true);
    const free = gpu.memoryBytes - e.perGpu.weights - e.perGpu.activations - e.perGpu.overhead;
    expect(e.kvCacheTokens).toBe(Math.floor(free / 57_344));
    const big = estimateFor('llama-3.1-70b', { gpu });
    expect(big.fits).toBe(false);
  });
});

describe('weights formula against published artifact sizes', () => {
  // Sizes in catalogs/models/*.yaml: safetensors index total_size, Ollama library listings, unsloth's blog.
  // Qwen2.5-72B's intermediate_size 29,568 is not a multiple of 256, so llama.cpp cannot k-quantize
  // ffn_down and falls back to a larger type (src/llama-quant.cpp): its Q4_K_M is ~6% over the formula.
  // Google's QAT Q4_0 GGUFs of Gemma 3 keep the 262,208 × 5,376 embedding table in FP16 (+1.6 GB).
  const KNOWN_OUTLIERS = new Set(['qwen2.5-72b/q4_k_m', 'gemma3-27b/q4_0']);
  // Unsloth's dynamic quants pick tensor types per model; the catalog's bits per weight are
  // DeepSeek-R1's (unsloth blog). Elsewhere only the published size counts, and the layout must use it.
  const DYNAMIC = (key: string) => /\/ud-/.test(key) && !key.startsWith('deepseek-r1-671b/');

  const cases = catalog.models.flatMap((m) => m.artifacts.filter((a) => a.bytes !== null).map((a) => [`${m.id}/${a.quantization}`, m, a] as const));

  it.each(cases)('%s: params × bits/weight is within 3%% of the published size', (key, m, artifact) => {
    const quant = findQuantization(catalog, artifact.quantization);
    const params = countParams(m.architecture);
    const formula = weightLayout(m.architecture, params, quant, null).total;
    const published = weightLayout(m.architecture, params, quant, artifact).total;
    const error = Math.abs(formula / published - 1);
    if (DYNAMIC(key)) expect(Math.abs(published / (artifact.bytes as number) - 1)).toBeLessThan(0.01);
    else if (KNOWN_OUTLIERS.has(key)) expect(error).toBeLessThan(0.08);
    else expect(error).toBeLessThan(0.03);
  });

  it('bf16 checkpoints are exactly params × 2 bytes (index total_size)', () => {
    for (const id of ['llama-3.1-8b', 'llama-3.1-70b', 'qwen2.5-7b', 'mixtral-8x7b']) {
      const m = catalog.models.find((x) => x.id === id)!;
      const artifact = m.artifacts.find((a) => a.quantization === 'bf16')!;
      expect(artifact.bytes, id).toBe(countParams(m.architecture).total * 2);
    }
  });
});
