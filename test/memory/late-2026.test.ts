/**
 * The architectures of late 2026 against published numbers (test/fixtures/configs/README.md names
 * every source): exact parameter counts, KV bytes per token and per-sequence state as engines
 * allocate them, and the estimate CLI on each config.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { architectureFromConfig, type Architecture } from '../../src/catalog/architecture.js';
import { HfConfigSchema, liftTextConfig } from '../../src/catalog/schema.js';
import { ggufKvBytes } from '../../src/engines/gguf.js';
import { vllmKv } from '../../src/engines/vllm/kv-groups.js';
import { kvBytesForSequence, kvLayout } from '../../src/memory/kvcache.js';
import { countParams } from '../../src/memory/params.js';
import { GGML_STATE_DTYPES, sglangStateDtypes, stateLayout, vllmStateDtypes } from '../../src/memory/state.js';
import { parsePythonJson } from '../../src/util/python-json.js';
import { gpuplan } from '../cli/run.js';
import { catalog, fixture } from '../helpers.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'gpuplan-late2026-'));

function arch(file: string): Architecture {
  const raw = parsePythonJson(readFileSync(fixture(`configs/${file}`), 'utf8'));
  return architectureFromConfig(HfConfigSchema.parse(liftTextConfig(raw)), file);
}

/** Every parameter the checkpoint stores: the served model, its vision tower and its MTP layers. */
const stored = (a: Architecture) => {
  const p = countParams(a);
  return p.total + p.mtp;
};

describe('exact parameter counts against the published totals', () => {
  it.each([
    ['qwen3-next-80b-a3b-instruct.config.json', 81_324_862_720],
    ['qwen3.5-397b-a17b.config.json', 403_397_928_944],
    ['qwen3.5-27b.config.json', 27_781_427_952],
    ['deepseek-v3.2.config.json', 685_355_329_792],
    ['glm-5.1.config.json', 753_864_139_008],
    ['kimi-linear-48b-a3b-instruct.config.json', 49_122_681_728],
    ['nemotron-3-nano-30b-a3b.config.json', 31_577_940_288],
    ['gemma-4-26b-a4b.config.json', 25_805_936_206],
    ['gemma-4-31b-it-nvfp4.config.json', 31_273_088_876],
  ])('%s: %d', (file, published) => {
    expect(stored(arch(file))).toBe(published);
  });

  it('Qwen3.5-397B splits as its index says: language model 396,346,350,336, visual 456,010,480, MTP 6,595,568,128', () => {
    const a = arch('qwen3.5-397b-a17b.config.json');
    const p = countParams(a);
    expect(a.visionParams).toBe(456_010_480);
    expect(p.total - a.visionParams).toBe(396_346_350_336);
    expect(p.mtp).toBe(6_595_568_128);
  });

  it('DeepSeek-V3.2 serves 671,877,944,064: V3 plus 61 indexers (wq_b, wk, k_norm, weights_proj)', () => {
    expect(countParams(arch('deepseek-v3.2.config.json')).total).toBe(671_877_944_064);
  });

  it('Kimi Linear: 20 KDA and 7 MLA layers (kda_layers count from 1); Qwen3-Next: 36 Gated DeltaNet and 12 attention layers', () => {
    const kimi = arch('kimi-linear-48b-a3b-instruct.config.json');
    expect(kimi.layerMixers?.filter((m) => m === 'linear').length).toBe(20);
    expect(kimi.layerMixers?.[3]).toBe('attention');
    expect(kimi.layerMixers?.[26]).toBe('attention');
    const next = arch('qwen3-next-80b-a3b-instruct.config.json');
    expect(next.layerMixers?.filter((m) => m === 'attention').length).toBe(12);
  });
});

describe('KV per token and state per sequence, as the engines allocate them', () => {
  it('Qwen3-Next: 24,576 B/token over 12 attention layers; state 39,518,208 B in vLLM (bf16), 77,266,944 B in SGLang (fp32 SSM), 79,036,416 B in llama.cpp (f32)', () => {
    const a = arch('qwen3-next-80b-a3b-instruct.config.json');
    expect(kvLayout(a, 'auto').perToken).toBe(24_576);
    expect(stateLayout(a, vllmStateDtypes(a))?.perSequence).toBe(39_518_208);
    expect(stateLayout(a, vllmStateDtypes(a))?.perLayerPerGpu).toBe(1_097_728);
    expect(stateLayout(a, sglangStateDtypes(a))?.perSequence).toBe(77_266_944);
    expect(stateLayout(a, GGML_STATE_DTYPES)?.perSequence).toBe(79_036_416);
  });

  it('Qwen3.5-397B asks for an fp32 SSM state (mamba_ssm_dtype): 4,268,032 B per layer in vLLM, 192,061,440 B per sequence in SGLang', () => {
    const a = arch('qwen3.5-397b-a17b.config.json');
    expect(stateLayout(a, vllmStateDtypes(a))?.perLayerPerGpu).toBe(4_268_032);
    expect(stateLayout(a, sglangStateDtypes(a))?.perSequence).toBe(192_061_440);
    expect(kvLayout(a, 'auto').perToken).toBe(30_720);
  });

  it('Kimi Linear: 8,064 B/token of MLA latent, 43,417,600 B of KDA state (bf16 convs, fp32 recurrent); 5,427,200 B per GPU at TP 8', () => {
    const a = arch('kimi-linear-48b-a3b-instruct.config.json');
    expect(kvLayout(a, 'auto').perToken).toBe(8_064);
    expect(stateLayout(a, vllmStateDtypes(a))?.perSequence).toBe(43_417_600);
    expect(stateLayout(a, vllmStateDtypes(a), 8)?.perSequencePerGpu).toBe(5_427_200);
  });

  it('DeepSeek-V3.2: the MLA latent plus a 132-byte index key per layer: 61 × (656 + 132) B with fp8_ds_mla, 61 × (1,152 + 132) B at bf16', () => {
    const a = arch('deepseek-v3.2.config.json');
    expect(kvLayout(a, 'fp8_ds_mla').perToken).toBeCloseTo(61 * (656 + 132), 6);
    expect(kvLayout(a, 'auto').perToken).toBe(61 * (1_152 + 132));
    expect(stateLayout(a, vllmStateDtypes(a))).toBeNull();
  });

  it('Gemma 4: sliding layers cache 8 KV heads of 256, full layers 2 (26B) or 4 (31B) of 512, K and V both (vLLM loads K into both slots)', () => {
    expect(kvLayout(arch('gemma-4-26b-a4b.config.json'), 'auto').perToken).toBe(25 * 8_192 + 5 * 4_096);
    expect(kvLayout(arch('gemma-4-31b-it-nvfp4.config.json'), 'auto').perToken).toBe(50 * 16_384 + 10 * 8_192);
    // Past the 1,024-token window only the full layers grow: 5 × 4,096 B per token on top.
    const a = arch('gemma-4-26b-a4b.config.json');
    const kv = kvLayout(a, 'auto');
    expect(kvBytesForSequence(a, kv, 8_192) - kvBytesForSequence(a, kv, 4_096)).toBe(4_096 * 5 * 4_096);
    // Each kind at its own size per GPU too (the review found the sliding size charged to the full layers).
    expect(kv.perTokenPerGpu).toBe(225_280);
    expect(ggufKvBytes(a, kv, 32_768, 1, 'per-slot')).toBe(5 * 4_096 * 32_768 + 25 * 8_192 * 1_536);
  });

  it('MiniMax-M2: 228,689,764,864 parameters; KV as hf-mem measures it (kv_cache 24,964,497,408 B = fp8 × 196,608 tokens)', () => {
    const a = catalog.models.find((m) => m.id === 'minimax-m2')?.architecture as Architecture;
    expect(countParams(a).total).toBe(228_689_764_864);
    expect(kvLayout(a, 'fp8').perToken * 196_608).toBe(24_964_497_408);
  });

  it('Nemotron 3 Nano: 6 attention layers of 2 KV heads (6,144 B/token) and 23 Mamba-2 layers of fp32 state (46.8 MiB per sequence)', () => {
    const a = arch('nemotron-3-nano-30b-a3b.config.json');
    expect(kvLayout(a, 'auto').perToken).toBe(6_144);
    expect(stateLayout(a, vllmStateDtypes(a))?.perSequence).toBe(49_082_368);
  });
});

describe('vLLM hybrid KV pool', () => {
  it('reproduces the 0.10.2 Qwen3-Next start-up log at TP 2 on H200: block 544, 973,760 tokens, 14.77x for 262,144 tokens', () => {
    const a = arch('qwen3-next-80b-a3b-instruct.config.json');
    const kv = kvLayout(a, 'auto', 2);
    const state = stateLayout(a, vllmStateDtypes(a), 2);
    const pool = vllmKv({
      layerKinds: (a.layerMixers ?? []).map((m) => (m === 'linear' ? 'state' : 'full')),
      statePageBytes: state?.perLayerPerGpu ?? 0,
      stage: { first: 0, end: a.layers },
      perLayerPerToken: kv.perLayerPerTokenPerGpu,
      blockSize: 16,
      window: null,
      groupMergeRatio: null,
      maxModelLen: 262_144,
      maxNumBatchedTokens: 8192,
      // "Available KV cache memory: 44.59 GiB", printed to 0.01 GiB.
      availableBytes: 44.59 * 1024 ** 3,
    });
    expect(pool.blockSize).toBe(544);
    expect(pool.tokens).toBe(973_760);
    expect(pool.maxConcurrency.toFixed(2)).toBe('14.77');
  });
});

describe('estimate --model <config.json> for the issue-17 architectures', () => {
  it.each([
    ['qwen3-next-80b-a3b-instruct.config.json', 24_576, 39_518_208],
    ['deepseek-v3.2.config.json', 78_324, 0],
    ['kimi-linear-48b-a3b-instruct.config.json', 8_064, 43_417_600],
    ['nemotron-3-nano-30b-a3b.config.json', 6_144, 49_082_368],
    ['nemotron-h-56b-base-8k.config.json', 40_960, 912_605_184],
  ])('%s: kvBytesPerToken %d, stateBytesPerSequence %d', (file, kvPerToken, statePerSequence) => {
    const r = gpuplan(['estimate', '--model', fixture(`configs/${file}`), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const e = JSON.parse(r.stdout);
    expect(e.kvBytesPerToken).toBe(kvPerToken);
    expect(e.stateBytesPerSequence).toBe(statePerSequence);
    expect(e.params + e.mtpParams).toBe(stored(arch(file)));
  });

  it('with --engine sglang the state is SGLang’s (fp32 SSM)', () => {
    const config = fixture('configs/qwen3-next-80b-a3b-instruct.config.json');
    const r = gpuplan(['estimate', '--model', config, '--hf-repo', 'Qwen/Qwen3-Next-80B-A3B-Instruct', '--gpu', 'h200', '--tp', '2', '--engine', 'sglang', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).stateBytesPerSequence).toBe(77_266_944);
  });
});

describe('a generic reading of an unknown model_type', () => {
  const renamed = (file: string, changes: Record<string, unknown>) => {
    const dir = tmp();
    const path = join(dir, 'config.json');
    writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(fixture(`configs/${file}`), 'utf8')), ...changes }));
    return path;
  };

  it('counts a Llama-shaped decoder exactly (Llama-3.1-70B renamed: 70,553,706,496) and says what it assumed', () => {
    const r = gpuplan(['estimate', '--model', renamed('llama-3.1-70b.config.json', { model_type: 'acme_decoder', architectures: ['AcmeForCausalLM'] }), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const e = JSON.parse(r.stdout);
    expect(e.params).toBe(70_553_706_496);
    expect(e.notes.join(' ')).toMatch(/model_type "acme_decoder" is not one gpuplan knows.*grouped-query attention: 64 heads, 8 KV heads of 128/);
  });

  it('refuses an unknown type with MLA fields (R1 renamed): latent attention is not a standard decoder', () => {
    const r = gpuplan(['estimate', '--model', renamed('deepseek-r1.config.json', { model_type: 'acme_moe' }), '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/model_type "acme_moe" is not supported, and its config has "kv_lora_rank"/);
  });

  it('refuses a hybrid it cannot read, naming the fields', () => {
    const r = gpuplan(['estimate', '--model', renamed('qwen3-next-80b-a3b-instruct.config.json', { model_type: 'qwen9_next' }), '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/model_type "qwen9_next" is not supported, and its config has "linear_num_value_heads"/);
  });

  it('refuses clearly when a needed field is missing', () => {
    const r = gpuplan(['estimate', '--model', renamed('llama-3.1-70b.config.json', { model_type: 'acme_decoder', intermediate_size: undefined })]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/model_type "acme_decoder" is not supported; read generically, it needs "intermediate_size"/);
  });
});

describe('engine limits of hybrids (review findings)', () => {
  it('SGLang lets max_mamba_cache_size // 3 requests run with the radix cache on (kv_cache_configurator.py MAMBA_CACHE_SIZE_MAX_RUNNING_REQUESTS_RATIO = 3)', () => {
    const r = gpuplan(['estimate', '--model', 'nemotron-3-nano-30b-a3b', '--gpu', 'h200', '--engine', 'sglang', '--context', '1024', '--concurrency', '1000', '--json']);
    const e = JSON.parse(r.stdout);
    const slots = Number(/max_mamba_cache_size: (\d+)/.exec(e.engine.logLines.join('\n'))?.[1]);
    expect(slots).toBeGreaterThan(30);
    // The KV pool would hold thousands of 1,024-token requests; the state slots hold a third as many running ones.
    expect(e.engine.kvPoolTokens / 1024).toBeGreaterThan(slots);
    expect(e.engine.maxConcurrency).toBe(Math.floor(slots / 3));
    expect(e.verdict.status).toBe('reduced-concurrency');
  });

  it('vLLM steps an MLA hybrid’s block size by 64 (Kimi Linear: 64 × ⌈2,170,880 / (64 × 1,152)⌉ = 1,920 tokens)', () => {
    const r = gpuplan(['estimate', '--model', 'kimi-linear-48b-a3b', '--gpu', 'h200', '--engine', 'vllm', '--context', '8192', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).engine.logLines[0]).toBe('Setting attention block size to 1920 tokens to ensure that attention page size is >= mamba page size.');
  });

  it('Mamba-2 groups must divide TP unless there is one (vLLM mamba_mixer2.py)', () => {
    const dir = tmp();
    const path = join(dir, 'config.json');
    const config = JSON.parse(readFileSync(fixture('configs/nemotron-3-nano-30b-a3b.config.json'), 'utf8'));
    writeFileSync(path, JSON.stringify({ ...config, n_groups: 6 }));
    const r = gpuplan(['estimate', '--model', path, '--tp', '4']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/TP 4 does not divide the 6 Mamba-2 groups/);
  });

  it('an unknown hybrid with MiniMax-Text-01’s attn_type_list is refused, not read as a plain decoder', () => {
    const dir = tmp();
    const path = join(dir, 'config.json');
    const llama = JSON.parse(readFileSync(fixture('configs/llama-3.1-70b.config.json'), 'utf8'));
    writeFileSync(path, JSON.stringify({ ...llama, model_type: 'minimax_text_01', attn_type_list: [0, 0, 0, 0, 0, 0, 0, 1] }));
    const r = gpuplan(['estimate', '--model', path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/"attn_type_list"/);
  });
});
