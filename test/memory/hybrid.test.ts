/**
 * Hybrid attention (gpt-oss: layer_types alternate sliding_attention with a 128-token
 * window and full_attention) and gpt-oss's biased experts and attention sinks.
 * Sources: openai/gpt-oss-20b and -120b config.json; model card (arXiv 2508.10925) Table 1;
 * the hub's safetensors parameter counts 20,914,757,184 and 116,829,156,672.
 */
import { describe, expect, it } from 'vitest';
import { engineRelease } from '../../src/engines/registry.js';
import { modelVariant } from '../../src/engines/variant.js';
import { findGpu, findQuantization } from '../../src/catalog/lookup.js';
import { kvBytesForSequence, kvLayout } from '../../src/memory/kvcache.js';
import { countParams } from '../../src/memory/params.js';
import { catalog, model } from '../helpers.js';

describe('gpt-oss', () => {
  it.each([
    ['gpt-oss-20b', 20_914_757_184],
    ['gpt-oss-120b', 116_829_156_672],
  ])('%s: the exact parameter count of the hub checkpoint', (id, count) => {
    expect(countParams(model(id).architecture!).total).toBe(count);
  });

  it('KV: only the 12 full-attention layers of gpt-oss-20b grow with the context', () => {
    const arch = model('gpt-oss-20b').architecture!;
    // layer_types: sliding_attention on the even layers.
    expect(arch.slidingWindow).toEqual({ window: 128, layers: 12, indices: [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22] });
    const kv = kvLayout(arch, 'auto');
    // 2 × 8 KV heads × 64 head_dim × 2 B = 2,048 B per layer per token.
    expect(kv.perLayerPerToken).toBe(2048);
    expect(kvBytesForSequence(arch, kv, 131_072)).toBe(12 * 2048 * 131_072 + 12 * 2048 * 128);
  });

  it('vLLM 0.11 cannot serve gpt-oss-120b at its full 131,072 tokens on one H100, as users found (vllm-project/vllm#27508, #23278); at 32k and 0.95 it starts', () => {
    const spec = model('gpt-oss-120b');
    const arch = spec.architecture!;
    const quant = findQuantization(catalog, 'mxfp4');
    const variant = modelVariant(spec, arch, countParams(arch), quant, spec.artifacts[0]!, 'artifact');
    const deployment = { variant, gpu: findGpu(catalog, 'h100-sxm'), gpuCount: 1, nodes: 1, tp: 1, pp: 1, concurrency: 1, kvDtype: 'auto' as const, memoryFraction: null, cpuOffload: false };
    // At the default 0.9 nothing is left for the cache (#23278 logged −2.14 GiB); at 0.95, less than one request (#27508).
    expect(engineRelease('vllm', '0.11.0').fit({ ...deployment, context: 131_072 }).verdict.reason).toBe('no-memory-for-kv');
    const full = engineRelease('vllm', '0.11.0').fit({ ...deployment, context: 131_072, memoryFraction: 0.95 });
    expect(full.verdict.reason).toBe('kv-below-one-sequence');
    expect(full.verdict.engineMessage).toMatch(/^ValueError: To serve at least one request with the models's max seq len \(131072\)/);
    const short = engineRelease('vllm', '0.11.0').fit({ ...deployment, context: 32_768, memoryFraction: 0.95 });
    expect(short.verdict.status).toBe('fits');
    // Only the 18 full-attention layers grow with the context; the 18 windowed ones reserve
    // window − 1 + max_num_batched_tokens (8,319) tokens each: under two thirds of every layer at 32k.
    expect(short.perGpu.kvCache).toBeLessThan(kvLayout(arch, 'auto').perTokenPerGpu * 32_768 * 0.65);
    expect(short.perGpu.kvCache).toBeGreaterThan(kvLayout(arch, 'auto').perTokenPerGpu * 32_768 * 0.5);
  });
});

describe('llama.cpp sliding-window KV (llama_kv_cache_iswa)', async () => {
  const { ggufKvBytes } = await import('../../src/engines/gguf.js');
  it('windowed layers keep window × slots + n_ubatch tokens, the others the whole context', () => {
    const arch = model('gpt-oss-20b').architecture!;
    const kv = kvLayout(arch, 'auto');
    // 12 full layers × 2,048 B × 65,536 tokens + 12 windowed layers × 2,048 B × (128 × 2 + 512).
    expect(ggufKvBytes(arch, kv, 65_536, 2)).toBe(12 * 2048 * 65_536 + 12 * 2048 * (128 * 2 + 512));
    // A model without windows: every layer holds every token.
    const llama = model('llama-3.1-8b').architecture!;
    const llamaKv = kvLayout(llama, 'auto');
    expect(ggufKvBytes(llama, llamaKv, 8192, 1)).toBe(llamaKv.perToken * 8192);
  });
  it('b10573: one stream per slot, each windowed layer keeping pad256(min(n_ctx_seq, window + n_ubatch)) per slot (src/llama-kv-cache-iswa.cpp:73)', () => {
    const arch = model('gpt-oss-20b').architecture!;
    const kv = kvLayout(arch, 'auto');
    // 2 slots × pad256(min(32,768, 128 + 512)) = 2 × 768 tokens in each of the 12 windowed layers.
    expect(ggufKvBytes(arch, kv, 65_536, 2, 'per-slot')).toBe(12 * 2048 * 65_536 + 12 * 2048 * 2 * 768);
    // A short slot context caps it: 2 slots of 512 tokens keep 512 each.
    expect(ggufKvBytes(arch, kv, 1024, 2, 'per-slot')).toBe(12 * 2048 * 1024 + 12 * 2048 * 1024);
  });
});

describe('Gemma 3 27B (google/gemma-3-27b-it)', () => {
  it('text decoder (4 norms per layer, QK-norm) + SigLIP tower + projector = the hub count 27,432,406,640', () => {
    const arch = model('gemma3-27b').architecture!;
    const params = countParams(arch);
    expect(params.total).toBe(27_432_406_640);
    expect(params.groups.vision).toBe(416_866_032 + 6_194_304);
  });

  it('KV: 10 global layers grow with the context, 52 local ones stop at 1,024 tokens', () => {
    const arch = model('gemma3-27b').architecture!;
    expect(arch.slidingWindow).toMatchObject({ window: 1024, layers: 52 });
    expect(arch.slidingWindow?.indices.filter((i) => (i + 1) % 6 === 0)).toEqual([]);
    const kv = kvLayout(arch, 'auto');
    expect(kvBytesForSequence(arch, kv, 131_072)).toBe(8192 * (10 * 131_072 + 52 * 1024));
  });

  it('a nested config.json (text_config, transformers defaults) reads as the flat catalog entry', async () => {
    const { liftTextConfig, HfConfigSchema } = await import('../../src/catalog/schema.js');
    const { architectureFromConfig } = await import('../../src/catalog/architecture.js');
    // The shape of google/gemma-3-27b-it's config.json: sparse text_config, defaults left out.
    const nested = {
      architectures: ['Gemma3ForConditionalGeneration'],
      model_type: 'gemma3',
      torch_dtype: 'bfloat16',
      text_config: {
        head_dim: 128,
        hidden_size: 5376,
        intermediate_size: 21504,
        model_type: 'gemma3_text',
        num_attention_heads: 32,
        num_hidden_layers: 62,
        num_key_value_heads: 16,
        query_pre_attn_scalar: 168,
        rope_scaling: { factor: 8.0, rope_type: 'linear' },
        sliding_window: 1024,
      },
      vision_config: {
        hidden_size: 1152,
        image_size: 896,
        intermediate_size: 4304,
        model_type: 'siglip_vision_model',
        num_attention_heads: 16,
        num_hidden_layers: 27,
        patch_size: 14,
        vision_use_head: false,
      },
    };
    const arch = architectureFromConfig(HfConfigSchema.parse(liftTextConfig(nested)), 'gemma-3-27b-it config.json');
    expect(countParams(arch).total).toBe(27_432_406_640);
    expect(arch.slidingWindow).toMatchObject({ window: 1024, layers: 52 });
    expect(arch.slidingWindow?.indices.filter((i) => (i + 1) % 6 === 0)).toEqual([]);
  });
});

describe('Mistral Small 3.2 24B (mistralai/Mistral-Small-3.2-24B-Instruct-2506)', () => {
  it('text decoder + Pixtral tower + Mistral 3 projector = the hub count 24,011,361,280', () => {
    const params = countParams(model('mistral-small-3.2-24b').architecture!);
    expect(params.total).toBe(24_011_361_280);
    expect(params.groups.vision).toBe(438_958_080);
  });
});
