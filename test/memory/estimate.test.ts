import { describe, expect, it } from 'vitest';
import { catalog, estimateFor } from '../helpers.js';
import { findGpu } from '../../src/catalog/lookup.js';

describe('estimate', () => {
  it('seed 000: DeepSeek-R1 at FP16/BF16 is ≈ 1.34 TB of weights; 1,543 GB = that + 15% overhead', () => {
    const e = estimateFor('deepseek-r1-671b', { quant: 'bf16' });
    expect(e.weightsBytes / 1e12).toBeCloseTo(1.342, 3);
    expect(e.weightsBytes * 1.15 / 1e9).toBeCloseTo(1543, -1);
    expect(e.notes.join('\n')).toMatch(/1,543 GB/);
  });

  it('seed 001: FP8 weights of 671B are ≈ 671 GB, not 386 GB', () => {
    const e = estimateFor('deepseek-r1-671b', { quant: 'fp8' });
    expect(e.weightsBytes / 1e9).toBeGreaterThan(660);
    expect(e.weightsBytes / 1e9).toBeLessThan(700);
  });

  it('seed 004: Llama-70B inference at 2048 tokens shows each term, and GQA corrects the 5.24 GB KV', () => {
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
