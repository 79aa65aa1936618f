import { describe, expect, it } from 'vitest';
import { kvBytesForSequence, kvLayout } from '../../src/memory/kvcache.js';
import { GiB } from '../../src/memory/units.js';
import { model } from '../helpers.js';

const arch = (id: string) => model(id).architecture!;

describe('KV cache per token', () => {
  it('DeepSeek-R1 MLA: 61 × (512 + 64) × 2 = 70,272 B/token at BF16 (config.json kv_lora_rank, qk_rope_head_dim)', () => {
    expect(kvLayout(arch('deepseek-r1-671b'), 'auto').perToken).toBe(70_272);
  });

  it('MLA latent is replicated on every TP rank (vLLM MLA backends), not sharded', () => {
    const kv = kvLayout(arch('deepseek-r1-671b'), 'auto', 8);
    expect(kv.perTokenPerGpu).toBe(70_272);
    expect(kv.replicated).toBe(true);
  });

  it('fp8 KV halves it', () => {
    expect(kvLayout(arch('deepseek-r1-671b'), 'fp8').perToken).toBe(35_136);
  });

  it('Llama-3.1-70B GQA: 2 × 80 × 8 × 128 × 2 = 327,680 B/token (config.json num_key_value_heads 8)', () => {
    expect(kvLayout(arch('llama-3.1-70b'), 'auto').perToken).toBe(327_680);
  });

  it('the 70B example at 2048 tokens is 0.67 GB with 8 KV heads, not 5.24 GB', () => {
    const a = arch('llama-3.1-70b');
    const bytes = kvBytesForSequence(a, kvLayout(a, 'auto'), 2048);
    expect(bytes / 1e9).toBeCloseTo(0.671, 3);
  });

  it('Qwen2.5-14B at 131,072 tokens needs 24.00 GiB of KV (the vLLM start-up log of that configuration)', () => {
    const a = arch('qwen2.5-14b');
    expect(kvBytesForSequence(a, kvLayout(a, 'auto'), 131072) / GiB).toBe(24);
  });

  it('GQA heads are sharded over TP and replicated once TP exceeds them (vLLM get_num_kv_heads: max(1, kv/TP))', () => {
    const a = arch('llama-3.1-70b');
    expect(kvLayout(a, 'auto', 4).perTokenPerGpu).toBe(327_680 / 4);
    expect(kvLayout(a, 'auto', 8).perTokenPerGpu).toBe(327_680 / 8);
    const tp16 = kvLayout(arch('llama-3.1-405b'), 'auto', 16);
    expect(tp16.headsPerGpu).toBe(1);
    expect(tp16.replicated).toBe(true);
  });

  it('pipeline stages hold only their layers', () => {
    const kv = kvLayout(arch('llama-3.1-70b'), 'auto', 1, 2);
    expect(kv.perTokenPerGpu).toBe(327_680 / 2);
  });

  it('llama.cpp q8_0 cache is 34 bytes per 32 values', () => {
    expect(kvLayout(arch('llama-3.1-8b'), 'q8_0').perToken).toBe((2 * 32 * 8 * 128 * 34) / 32);
  });
});
