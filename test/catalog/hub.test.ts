import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultCacheDir, modelFromHub, parseHubRef, type HubOptions } from '../../src/catalog/hub.js';
import { findQuantization } from '../../src/catalog/lookup.js';
import { engineRelease } from '../../src/engines/registry.js';
import { modelVariant } from '../../src/engines/variant.js';
import { countParams } from '../../src/memory/params.js';
import { replayHub } from '../fixtures/hub/replay.js';
import { catalog, fixture, model } from '../helpers.js';

function options(overrides: Partial<HubOptions> = {}): HubOptions & { requests: string[] } {
  const replay = replayHub();
  return { offline: false, token: undefined, cacheDir: mkdtempSync(join(tmpdir(), 'gpuplan-cache-')), fetch: replay.fetch, requests: replay.requests, ...overrides };
}

describe('hf:org/name from recorded hub responses', () => {
  it('Qwen2.5-7B-Instruct: the catalog entry, with the checkpoint size of the index total_size', async () => {
    const o = options();
    const spec = await modelFromHub(catalog, 'hf:Qwen/Qwen2.5-7B-Instruct', o);
    expect(spec.id).toBe('qwen2.5-7b');
    expect(spec.artifacts[0]).toMatchObject({ source: 'hf:Qwen/Qwen2.5-7B-Instruct', quantization: 'bf16', bytes: 15231233024 });
    expect(countParams(spec.architecture!).total).toBe(countParams(model('qwen2.5-7b').architecture!).total);
    // A size probe and a download for each of the two files, then the safetensors headers (none in this fixture).
    expect(o.requests.slice(0, 4)).toEqual([
      'GET /Qwen/Qwen2.5-7B-Instruct/resolve/main/config.json',
      'GET /Qwen/Qwen2.5-7B-Instruct/resolve/main/config.json',
      'GET /Qwen/Qwen2.5-7B-Instruct/resolve/main/model.safetensors.index.json',
      'GET /Qwen/Qwen2.5-7B-Instruct/resolve/main/model.safetensors.index.json',
    ]);
    expect(o.requests.every((r) => / \/Qwen\/Qwen2.5-7B-Instruct\/(resolve|raw)\/main\//.test(r))).toBe(true);
  });

  it('is cached: a second run, and an --offline run, make no request', async () => {
    const first = options();
    await modelFromHub(catalog, 'hf:Qwen/Qwen2.5-7B-Instruct', first);
    const again = options({ cacheDir: first.cacheDir });
    await modelFromHub(catalog, 'hf:Qwen/Qwen2.5-7B-Instruct', again);
    const offline = options({ cacheDir: first.cacheDir, offline: true });
    const spec = await modelFromHub(catalog, 'hf:Qwen/Qwen2.5-7B-Instruct', offline);
    expect(again.requests).toEqual([]);
    expect(offline.requests).toEqual([]);
    expect(spec.artifacts[0]?.bytes).toBe(15231233024);
    // The cache holds the hub's answer: it wins over the catalog, and nothing needs saying.
    expect(spec.note).toBeUndefined();
    expect(spec.origin).toMatch(/^hf:Qwen\/Qwen2.5-7B-Instruct /);
  });

  it('a pinned revision is read at that revision and stays in the source the deploy files pull', async () => {
    const { cpSync } = await import('node:fs');
    const root = mkdtempSync(join(tmpdir(), 'gpuplan-hub-rev-'));
    cpSync(fixture('hub/Qwen/Qwen2.5-7B-Instruct'), join(root, 'Qwen/Qwen2.5-7B-Instruct@v1.1'), { recursive: true });
    const replay = replayHub(root);
    const spec = await modelFromHub(catalog, 'hf:Qwen/Qwen2.5-7B-Instruct@v1.1', { ...options(), fetch: replay.fetch });
    expect(spec.id).toBe('qwen2.5-7b');
    expect(spec.hfRepo).toBe('Qwen/Qwen2.5-7B-Instruct');
    expect(spec.artifacts[0]).toMatchObject({ source: 'hf:Qwen/Qwen2.5-7B-Instruct@v1.1', bytes: 15231233024 });
    // The catalog's copy of the same checkpoint (main) is replaced, not offered beside it.
    expect(spec.artifacts.filter((a) => /^hf:Qwen\/Qwen2.5-7B-Instruct(@|$)/.test(a.source)).map((a) => a.source)).toEqual(['hf:Qwen/Qwen2.5-7B-Instruct@v1.1']);
    expect(replay.requests.every((r) => r.includes('/resolve/v1.1/') || r.includes('/raw/v1.1/'))).toBe(true);
    // @main is the default branch: nothing to pin.
    expect((await modelFromHub(catalog, 'hf:Qwen/Qwen2.5-7B-Instruct@main', options())).artifacts[0]?.source).toBe('hf:Qwen/Qwen2.5-7B-Instruct');
  });

  it.each([
    ['--offline with nothing cached (a repo the catalog does not know)', 'hf:someone/Uncatalogued', { offline: true }, /not in the cache .* --offline forbids the network; run once online/],
    ['a gated repo without access (401)', 'hf:gated/Llama', {}, /access denied \(401\): the repo is gated or private; .* set HF_TOKEN/],
    ['an unknown repo (404)', 'hf:nobody/nothing', {}, /no such model, file or revision on the hub \(404\)/],
    ['an unknown revision (404)', 'hf:Qwen/Qwen2.5-7B-Instruct@v9', {}, /no such model, file or revision/],
    ['the network down', 'hf:down/Model', {}, /the hub could not be reached \(.*ENOTFOUND.*\); check the network, or use --offline/],
    ['a bad reference', 'hf:just-a-name', {}, /expected hf:<org>\/<name>\[@revision\]/],
    ['a revision that would read as an option', 'hf:Qwen/Qwen2.5-7B-Instruct@-x', {}, /"-x" is not a revision/],
  ])('%s → a UserError that says what happened and what to do', async (_label, ref, overrides, message) => {
    await expect(modelFromHub(catalog, ref, options(overrides))).rejects.toThrow(message);
  });

  it('parses references and finds the XDG cache', () => {
    expect(parseHubRef('hf:deepseek-ai/DeepSeek-R1@main')).toEqual({ repo: 'deepseek-ai/DeepSeek-R1', revision: 'main', path: null });
    expect(parseHubRef('hf:Qwen/Qwen3-8B-GGUF/Qwen3-8B-Q4_K_M.gguf')).toEqual({ repo: 'Qwen/Qwen3-8B-GGUF', revision: 'main', path: 'Qwen3-8B-Q4_K_M.gguf' });
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/gpuplan');
    expect(defaultCacheDir({ HOME: '/home/u' })).toMatch(/\.cache\/gpuplan$/);
  });
});

describe('hf:deepseek-ai/DeepSeek-R1 (issue 7 must-show)', () => {
  it('same parameter count as the catalog entry, checkpoint size = the index total_size', async () => {
    const spec = await modelFromHub(catalog, 'hf:deepseek-ai/DeepSeek-R1', options());
    expect(spec.id).toBe('deepseek-r1-671b');
    expect(countParams(spec.architecture!).total).toBe(countParams(model('deepseek-r1-671b').architecture!).total);
    expect(spec.artifacts[0]).toMatchObject({ source: 'hf:deepseek-ai/DeepSeek-R1', quantization: 'fp8', bytes: 688574839360, includesMtp: true });
  });
});

describe('quantized repos are recognised from quantization_config', async () => {
  const { nativeQuantizationOf } = await import('../../src/catalog/model.js');
  const base = { model_type: 'llama', vocab_size: 1, hidden_size: 1, num_hidden_layers: 1, num_attention_heads: 1, max_position_embeddings: 1 };
  const ct = (num_bits: number, type: string) => ({ quant_method: 'compressed-tensors', config_groups: { group_0: { weights: { num_bits, type, strategy: 'channel' }, targets: ['Linear'] } } });
  it.each([
    [{ quant_method: 'fp8', fmt: 'e4m3' }, 'fp8'],
    [{ quant_method: 'awq', bits: 4 }, 'awq-int4'],
    [{ quant_method: 'gptq', bits: 8 }, 'gptq-int8'],
    [{ quant_method: 'bitsandbytes', load_in_4bit: true }, 'bnb-nf4'],
    [{ quant_method: 'mxfp4' }, 'mxfp4'],
    [ct(8, 'float'), 'fp8'],
    [ct(8, 'int'), 'int8'],
    [ct(4, 'int'), 'gptq-int4'],
  ])('%j → %s', (quantization_config, id) => {
    expect(nativeQuantizationOf({ ...base, quantization_config })).toBe(id);
  });
});

describe('hf:org/name/file.gguf: the header only, over ranged requests', async () => {
  const { mkdirSync } = await import('node:fs');
  const { writeTinyGguf } = await import('../fixtures/gguf/write-gguf.js');
  const root = mkdtempSync(join(tmpdir(), 'gpuplan-hub-'));
  mkdirSync(join(root, 'someone/Tiny-GGUF'), { recursive: true });
  const written = writeTinyGguf(join(root, 'someone/Tiny-GGUF/tiny.Q4_K_M.gguf'));
  const hubOptions = (overrides: Partial<HubOptions> = {}) => {
    const replay = replayHub(root);
    return { offline: false, token: undefined, cacheDir: mkdtempSync(join(tmpdir(), 'gpuplan-cache-')), fetch: replay.fetch, requests: replay.requests, ...overrides };
  };

  it('exact tensor bytes, without downloading the weights, then from the cache offline', async () => {
    const o = hubOptions();
    const spec = await modelFromHub(catalog, 'hf:someone/Tiny-GGUF/tiny.Q4_K_M.gguf', o);
    expect(spec.artifacts[0]).toMatchObject({ source: 'hf:someone/Tiny-GGUF/tiny.Q4_K_M.gguf', format: 'gguf', quantization: 'q4_k_m', bytes: written.dataBytes });
    expect(o.requests.every((r) => r.startsWith('GET /someone/Tiny-GGUF/resolve/main/'))).toBe(true);
    const offline = await modelFromHub(catalog, 'hf:someone/Tiny-GGUF/tiny.Q4_K_M.gguf', hubOptions({ cacheDir: o.cacheDir, offline: true, fetch: undefined }));
    expect(offline.artifacts[0]?.bytes).toBe(written.dataBytes);
  });

  it('a pinned revision stays in the source, and llama.cpp and Ollama, which cannot pin one, say so', async () => {
    const { cpSync } = await import('node:fs');
    cpSync(join(root, 'someone/Tiny-GGUF'), join(root, 'someone/Tiny-GGUF@v1'), { recursive: true });
    const spec = await modelFromHub(catalog, 'hf:someone/Tiny-GGUF/tiny.Q4_K_M.gguf@v1', hubOptions());
    const artifact = spec.artifacts[0]!;
    expect(artifact.source).toBe('hf:someone/Tiny-GGUF/tiny.Q4_K_M.gguf@v1');
    const arch = spec.architecture!;
    const variant = modelVariant(spec, arch, countParams(arch), findQuantization(catalog, artifact.quantization), artifact, 'artifact');
    for (const engine of ['llamacpp', 'ollama'] as const) {
      expect(engineRelease(engine).loadUnsupported(variant)).toMatch(/pulls a hub repo's default branch and cannot pin hf:someone\/Tiny-GGUF\/tiny.Q4_K_M.gguf@v1 \(revision v1\)/);
    }
  });

  it('a missing file is a 404 with a message, not a "bad GGUF"', async () => {
    await expect(modelFromHub(catalog, 'hf:someone/Tiny-GGUF/nope.gguf', hubOptions())).rejects.toThrow(/no such model, file or revision on the hub \(404\)/);
  });
});

describe('safetensors headers: stored dtype per tensor and, without an index, the size', async () => {
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const root = mkdtempSync(join(tmpdir(), 'gpuplan-hub-st-'));
  const repoDir = join(root, 'someone/Tiny-Llama');
  mkdirSync(repoDir, { recursive: true });
  const [V, H, I, L, heads, kvHeads] = [256, 64, 128, 2, 4, 2];
  const config = {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    vocab_size: V,
    hidden_size: H,
    intermediate_size: I,
    num_hidden_layers: L,
    num_attention_heads: heads,
    num_key_value_heads: kvHeads,
    max_position_embeddings: 2048,
    tie_word_embeddings: false,
    torch_dtype: 'bfloat16',
  };
  writeFileSync(join(repoDir, 'config.json'), JSON.stringify(config));
  // A single-file checkpoint with the tensors transformers' LlamaForCausalLM saves, in BF16.
  const kvDim = (H / heads) * kvHeads;
  const shapes: [string, number[]][] = [
    ['model.embed_tokens.weight', [V, H]],
    ['model.norm.weight', [H]],
    ['lm_head.weight', [V, H]],
  ];
  for (let l = 0; l < L; l++) {
    const p = `model.layers.${l}`;
    shapes.push([`${p}.self_attn.q_proj.weight`, [H, H]], [`${p}.self_attn.k_proj.weight`, [kvDim, H]], [`${p}.self_attn.v_proj.weight`, [kvDim, H]], [`${p}.self_attn.o_proj.weight`, [H, H]]);
    shapes.push([`${p}.mlp.gate_proj.weight`, [I, H]], [`${p}.mlp.up_proj.weight`, [I, H]], [`${p}.mlp.down_proj.weight`, [H, I]]);
    shapes.push([`${p}.input_layernorm.weight`, [H]], [`${p}.post_attention_layernorm.weight`, [H]]);
  }
  let offset = 0;
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  for (const [name, shape] of shapes) {
    const bytes = shape.reduce((a, b) => a * b, 1) * 2;
    header[name] = { dtype: 'BF16', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = Buffer.from(JSON.stringify(header));
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(join(repoDir, 'model.safetensors'), Buffer.concat([size, json, Buffer.alloc(offset)]));

  it('counts the parameters per dtype from the headers, equal to the architecture count, and takes the size from them', async () => {
    const replay = replayHub(root);
    const spec = await modelFromHub(catalog, 'hf:someone/Tiny-Llama', { offline: false, token: undefined, cacheDir: mkdtempSync(join(tmpdir(), 'gpuplan-cache-')), fetch: replay.fetch });
    const params = countParams(spec.architecture!).total;
    expect(spec.publishedParams).toBe(params);
    expect(spec.origin).toContain(`safetensors headers: BF16 ${params}`);
    expect(spec.artifacts[0]).toMatchObject({ source: 'hf:someone/Tiny-Llama', bytes: offset, sizeSource: 'hf:someone/Tiny-Llama@main safetensors headers (sum of tensor data)' });
    expect(offset).toBe(params * 2);
  });
});

describe('hf: repos the catalog knows, when the hub cannot answer: the catalog entry, with a note', () => {
  const offline = () => options({ offline: true });

  it('--offline with nothing cached: the entry, its verified artifacts, no request, and a note saying so', async () => {
    const o = offline();
    const spec = await modelFromHub(catalog, 'hf:meta-llama/Llama-3.1-8B-Instruct', o);
    expect(o.requests).toEqual([]);
    expect(spec.id).toBe('llama-3.1-8b');
    expect(spec.hfRepo).toBe('meta-llama/Llama-3.1-8B-Instruct');
    expect(spec.architecture).toEqual(model('llama-3.1-8b').architecture);
    expect(spec.artifacts[0]).toMatchObject({ source: 'hf:meta-llama/Llama-3.1-8B-Instruct', quantization: 'bf16', bytes: 16060522496 });
    expect(spec.artifacts.map((a) => a.source).sort()).toEqual(
      model('llama-3.1-8b')
        .artifacts.map((a) => a.source)
        .sort(),
    );
    expect(spec.note).toBe("hf:meta-llama/Llama-3.1-8B-Instruct was read from gpuplan's catalog entry llama-3.1-8b, not from the hub: --offline, and the hub's answer is not in the cache.");
    expect(spec.origin).toMatch(/^catalogs\/models\/llama-3.1.yaml, catalog entry llama-3.1-8b, for hf:meta-llama\/Llama-3.1-8B-Instruct/);
  });

  it('matches case-insensitively, and names the repo as the catalog spells it', async () => {
    const spec = await modelFromHub(catalog, 'hf:META-LLAMA/llama-3.1-8b-instruct', offline());
    expect(spec.hfRepo).toBe('meta-llama/Llama-3.1-8B-Instruct');
    expect(spec.artifacts[0]?.source).toBe('hf:meta-llama/Llama-3.1-8B-Instruct');
  });

  it("an alias repo (the base model): its own checkpoint first, size unknown, not the entry's repo", async () => {
    const spec = await modelFromHub(catalog, 'hf:meta-llama/Llama-3.1-8B', offline());
    expect(spec.id).toBe('llama-3.1-8b');
    expect(spec.artifacts[0]).toEqual({ quantization: 'bf16', format: 'safetensors', source: 'hf:meta-llama/Llama-3.1-8B', bytes: null, includesMtp: false });
  });

  it("an artifact's repo (a quantized checkpoint): that artifact first, its quantization the stored one", async () => {
    const spec = await modelFromHub(catalog, 'hf:hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4', offline());
    expect(spec.id).toBe('llama-3.1-8b');
    expect(spec.nativeQuantization).toBe('awq-int4');
    expect(spec.artifacts[0]?.source).toBe('hf:hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4');
  });

  it('a GGUF repo: its files; a file the entry lists is found, one it does not list is not guessed', async () => {
    const repo = await modelFromHub(catalog, 'hf:unsloth/DeepSeek-R1-GGUF', offline());
    expect(repo.id).toBe('deepseek-r1-671b');
    expect(repo.artifacts.slice(0, 4).every((a) => a.format === 'gguf' && a.source.startsWith('hf:unsloth/DeepSeek-R1-GGUF/'))).toBe(true);
    const file = await modelFromHub(catalog, 'hf:google/gemma-3-27b-it-qat-q4_0-gguf/gemma-3-27b-it-q4_0.gguf', offline());
    expect(file.artifacts[0]).toMatchObject({ source: 'hf:google/gemma-3-27b-it-qat-q4_0-gguf/gemma-3-27b-it-q4_0.gguf', format: 'gguf' });
    await expect(modelFromHub(catalog, 'hf:google/gemma-3-27b-it-qat-q4_0-gguf/other.gguf', offline())).rejects.toThrow(/header is not in the cache/);
  });

  it('a pinned revision is kept for the deploy files, and the note says the entry is not about that revision', async () => {
    const spec = await modelFromHub(catalog, 'hf:meta-llama/Llama-3.1-8B-Instruct@0e9e39f', offline());
    expect(spec.artifacts[0]).toMatchObject({ source: 'hf:meta-llama/Llama-3.1-8B-Instruct@0e9e39f', bytes: 16060522496 });
    expect(spec.note).toMatch(/the entry describes the repo as catalogued, not revision 0e9e39f in particular\.$/);
  });

  it('the hub unreachable, or denying access (gated, no token): the entry, and the note says why', async () => {
    const unreachable = (async () => {
      throw new TypeError('fetch failed: getaddrinfo ENOTFOUND huggingface.co');
    }) as typeof fetch;
    const down = await modelFromHub(catalog, 'hf:meta-llama/Llama-3.1-8B-Instruct', options({ fetch: unreachable }));
    expect(down.id).toBe('llama-3.1-8b');
    expect(down.note).toMatch(/not from the hub: the hub could not be reached \(.*ENOTFOUND.*\)\.$/);
    const gated = (async () =>
      new Response(JSON.stringify({ error: 'Access to model meta-llama/Llama-3.1-8B-Instruct is restricted.' }), {
        status: 401,
        headers: { 'content-type': 'application/json', 'x-error-code': 'GatedRepo' },
      })) as typeof fetch;
    const denied = await modelFromHub(catalog, 'hf:meta-llama/Llama-3.1-8B-Instruct', options({ fetch: gated }));
    expect(denied.note).toMatch(/the hub denied access \(401: gated or private\), so deploying it needs HF_TOKEN with access\.$/);
  });

  it('a 404 (no such repo or revision) is not covered up by the catalog', async () => {
    await expect(modelFromHub(catalog, 'hf:Qwen/Qwen2.5-7B-Instruct@v9', options())).rejects.toThrow(/no such model, file or revision on the hub \(404\)/);
  });

  it('a repo the catalog does not know still fails, saying what to do', async () => {
    await expect(modelFromHub(catalog, 'hf:someone/Else', offline())).rejects.toThrow(/hf:someone\/Else@main: config.json is not in the cache .* --offline forbids the network/);
    await expect(modelFromHub(catalog, 'hf:down/Model', options())).rejects.toThrow(/the hub could not be reached/);
  });
});
