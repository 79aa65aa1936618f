/**
 * Issue 16, item 5: the catalog lists the artifacts users expect — Hugging Face GGUFs that
 * llama.cpp can fetch (`-hf <repo>:<QUANT>`) for every Llama, Qwen and DeepSeek model, and
 * the published FP8 checkpoints — each size saying where it comes from.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HF_MAX_FILE_BYTES, isSplitGguf } from '../../src/engines/gguf-engine.js';
import { engineRelease } from '../../src/engines/registry.js';
import { modelVariant } from '../../src/engines/variant.js';
import { findQuantization } from '../../src/catalog/lookup.js';
import { countParams } from '../../src/memory/params.js';
import { gpuplan } from '../cli/run.js';
import { catalog, model } from '../helpers.js';

const FAMILIES = /^(llama|qwen|deepseek)/;
/** No GGUF of these loads with llama.cpp's `-hf`: say why, so the exception is a decision. */
const NO_HF_GGUF: Record<string, string> = {
  // mradermacher's DeepSeek-V2 GGUFs are byte-split (.gguf.part1of3), not gguf-split parts, and
  // leafspark's are the Chat model in a folder named like a file (DeepSeek-V2-Chat.q4_k_m.gguf/).
  'deepseek-v2-236b': 'no Hugging Face GGUF in gguf-split parts was found',
  // Issue 17: no Hugging Face GGUF of these was found with its file layout (llama.cpp loads qwen35 from b7990 and
  // deepseek32 from b9411; b10573 is recorded).
  'qwen3.5-397b-a17b': 'no Hugging Face GGUF with a known file layout found',
  'qwen3.5-27b': 'no Hugging Face GGUF with a known file layout found',
  'deepseek-v3.2': 'no Hugging Face GGUF with a known file layout found',
};

const hfGgufs = (id: string) => model(id).artifacts.filter((a) => a.format === 'gguf' && a.source.startsWith('hf:'));

describe('catalog artifacts (issue 16)', () => {
  const ids = catalog.models.map((m) => m.id).filter((id) => FAMILIES.test(id));

  it('covers the Llama, Qwen and DeepSeek families', () => {
    expect(ids).toEqual(
      expect.arrayContaining(['llama-3.1-8b', 'llama-3.1-405b', 'qwen2.5-72b', 'qwen3-235b-a22b', 'deepseek-r1-distill-qwen-1.5b', 'deepseek-v3-671b', 'deepseek-r1-0528-671b', 'deepseek-v3.1-671b']),
    );
  });

  it.each(ids.filter((id) => !(id in NO_HF_GGUF)))('%s has a Hugging Face GGUF llama.cpp can fetch', (id) => {
    expect(hfGgufs(id).length).toBeGreaterThan(0);
  });

  it.each(Object.keys(NO_HF_GGUF))('%s has none, and is listed as an exception for a reason', (id) => {
    expect(hfGgufs(id)).toEqual([]);
  });

  it('every known size says where it comes from', () => {
    const unsourced = catalog.models.flatMap((m) => m.artifacts.filter((a) => a.bytes !== null && !a.sizeSource?.trim()).map((a) => `${m.id} ${a.source}`));
    expect(unsourced).toEqual([]);
  });

  it('a GGUF over the 50 GB hub file limit is named by its folder of parts, a single file by its .gguf name', () => {
    for (const m of catalog.models) {
      for (const a of m.artifacts.filter((x) => x.format === 'gguf' && /^hf:[^/]+\/[^/]+\/./.test(x.source))) {
        if ((a.bytes ?? 0) > HF_MAX_FILE_BYTES) expect(a.source, m.id).not.toMatch(/\.gguf$/i);
        if (/\.gguf$/i.test(a.source)) expect(a.bytes ?? 0, m.id).toBeLessThanOrEqual(HF_MAX_FILE_BYTES);
      }
    }
  });

  it('every GGUF of a DeepSeek-V3-architecture model says how llama.cpp caches its attention', () => {
    for (const m of catalog.models.filter((x) => x.config.model_type === 'deepseek_v3')) {
      for (const a of m.artifacts.filter((x) => x.format === 'gguf')) expect(a.ggufMlaCache, `${m.id} ${a.source}`).toBeDefined();
    }
    // Unsloth's 2025 re-conversions carry the MLA tensors (unslothai/unsloth#2731); the January uploads do not.
    expect(hfGgufs('deepseek-r1-0528-671b').map((a) => a.ggufMlaCache)).toEqual(expect.arrayContaining(['latent']));
    expect(hfGgufs('deepseek-v3-671b').every((a) => a.ggufMlaCache === 'heads')).toBe(true);
  });

  it('the published FP8 checkpoints of Llama 3.1, Qwen2.5 and Qwen3 are listed', () => {
    for (const id of ['llama-3.1-8b', 'llama-3.1-70b', 'llama-3.1-405b', 'qwen2.5-7b', 'qwen2.5-72b', 'qwen3-8b', 'qwen3-32b', 'qwen3-30b-a3b', 'qwen3-235b-a22b']) {
      expect(
        model(id).artifacts.some((a) => a.quantization === 'fp8' && a.format === 'safetensors'),
        id,
      ).toBe(true);
    }
  });
});

describe('split GGUFs (folder sources)', () => {
  it('a folder source is split even when its size is unknown; a file is split only when over 50 GB', () => {
    expect(isSplitGguf({ source: 'hf:unsloth/DeepSeek-R1-0528-GGUF/Q4_K_M', bytes: null })).toBe(true);
    expect(isSplitGguf({ source: 'hf:unsloth/DeepSeek-V3-GGUF/DeepSeek-V3-Q4_K_M', bytes: 404.4e9 })).toBe(true);
    expect(isSplitGguf({ source: 'hf:bartowski/Meta-Llama-3.1-8B-Instruct-GGUF/Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf', bytes: 4_920_739_232 })).toBe(false);
    // Ollama's library tags are its own blobs, not hub files.
    expect(isSplitGguf({ source: 'ollama:llama3.1:405b', bytes: 243e9 })).toBe(false);
  });

  it('Ollama cannot pull a folder of parts whose size the catalog does not know; llama.cpp can', () => {
    const spec = model('deepseek-r1-0528-671b');
    const artifact = spec.artifacts.find((a) => a.source === 'hf:unsloth/DeepSeek-R1-0528-GGUF/Q4_K_M')!;
    expect(artifact.bytes).toBeNull();
    const arch = spec.architecture!;
    const variant = modelVariant(spec, arch, countParams(arch), findQuantization(catalog, 'q4_k_m'), artifact, 'artifact');
    expect(engineRelease('ollama', null).loadUnsupported(variant)).toMatch(/split into parts.*llama-gguf-split --merge/);
    expect(engineRelease('llamacpp', null).loadUnsupported(variant)).toBeNull();
  });
});

describe('plans with the new artifacts (built CLI)', () => {
  it('llama.cpp plans llama-3.1-8b on an RTX 4090 from a Hugging Face GGUF, fetched with -hf repo:QUANT', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gpuplan-artifacts-')), 'plan');
    const r = gpuplan(['plan', '--model', 'llama-3.1-8b', '--budget', '1xrtx-4090', '--engine', 'llamacpp', '--out', out, '--json']);
    expect(r.code).toBe(0);
    const { plan } = JSON.parse(r.stdout);
    expect(plan.engine).toBe('llamacpp');
    expect(plan.weightsOrigin).toBe('artifact');
    expect(plan.artifact.source).toMatch(/^hf:bartowski\/Meta-Llama-3\.1-8B-Instruct-GGUF\/Meta-Llama-3\.1-8B-Instruct-Q(4_K_M|8_0)\.gguf$/);
    expect(plan.artifact.bytes).toBeGreaterThan(4e9);
    const quant = plan.quantization.toUpperCase();
    expect(readFileSync(join(out, 'llama-server.sh'), 'utf8')).toContain(`-hf bartowski/Meta-Llama-3.1-8B-Instruct-GGUF:${quant} `);
    expect(gpuplan(['validate', out]).code).toBe(0);
  });

  it('llama.cpp plans a Qwen and a DeepSeek distill from Hugging Face GGUFs too', () => {
    for (const id of ['qwen2.5-7b', 'deepseek-r1-distill-qwen-14b']) {
      const r = gpuplan(['plan', '--model', id, '--budget', '1xrtx-4090', '--engine', 'llamacpp', '--json']);
      expect(r.code, id).toBe(0);
      expect(JSON.parse(r.stdout).plan.artifact.source, id).toMatch(/^hf:.+\.gguf$/);
    }
  });

  it('vLLM at FP8 serves the published RedHatAI checkpoint of llama-3.1-70b, not one quantized at load', () => {
    const r = gpuplan(['plan', '--model', 'llama-3.1-70b', '--budget', '2xh100-sxm', '--engine', 'vllm', '--quant', 'fp8', '--json']);
    expect(r.code).toBe(0);
    const { plan } = JSON.parse(r.stdout);
    expect(plan.weightsOrigin).toBe('artifact');
    expect(plan.artifact.source).toBe('hf:RedHatAI/Meta-Llama-3.1-70B-Instruct-FP8');
  });
});
