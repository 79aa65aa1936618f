import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED_CATALOG_DIR } from '../../src/catalog/catalog.js';
import { loadCatalogFromYaml as loadCatalog } from '../../src/catalog/load.js';
import { findGpu, gpusNamed } from '../../src/catalog/lookup.js';
import { resolveModel } from '../../src/catalog/model.js';
import { countParams } from '../../src/memory/params.js';
import { kvLayout } from '../../src/memory/kvcache.js';
import { catalog, estimateFor, fixture } from '../helpers.js';

function brokenCatalog(file: string, edit: (text: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gpuplan-catalog-'));
  cpSync(BUNDLED_CATALOG_DIR, dir, { recursive: true });
  const path = join(dir, file);
  writeFileSync(path, edit(readFileSync(path, 'utf8')));
  return dir;
}

describe('catalogs', () => {
  it('ship at least 20 GPUs, the required quantizations and model families', () => {
    expect(catalog.gpus.length).toBeGreaterThanOrEqual(20);
    const quants = catalog.quantizations.map((q) => q.id);
    for (const id of ['bf16', 'fp16', 'fp32', 'fp8', 'int8', 'awq-int4', 'gptq-int4', 'gptq-int8', 'bnb-nf4', 'q8_0', 'q6_k', 'q5_k_m', 'q4_k_m', 'q3_k_m', 'q2_k', 'iq2_xxs', 'iq1_s', 'ud-iq1_s']) {
      expect(quants).toContain(id);
    }
    expect(catalog.models.length).toBeGreaterThanOrEqual(19);
  });

  it('GPU names: `4090`, `rtx4090`, `RTX-4090` all find the RTX 4090; `A100` is a family of two', () => {
    for (const name of ['4090', 'rtx4090', 'RTX-4090', 'rtx 4090']) expect(findGpu(catalog, name).id).toBe('rtx-4090');
    expect(
      gpusNamed(catalog, 'A100')
        .map((g) => g.id)
        .sort(),
    ).toEqual(['a100-40g', 'a100-80g']);
    expect(gpusNamed(catalog, 'a100-80g').map((g) => g.id)).toEqual(['a100-80g']);
  });

  it('memory is what nvidia-smi reports: A100 80GB 81920 MiB, H100 SXM 81559 MiB', () => {
    expect(findGpu(catalog, 'a100-80g').memoryBytes).toBe(81920 * 2 ** 20);
    expect(findGpu(catalog, 'h100-sxm').memoryBytes).toBe(81559 * 2 ** 20);
  });

  it('models are found by id, alias and Hugging Face repo name', async () => {
    expect((await resolveModel(catalog, 'deepseek-ai/DeepSeek-R1')).id).toBe('deepseek-r1-671b');
    expect((await resolveModel(catalog, 'DEEPSEEK-R1')).id).toBe('deepseek-r1-671b');
  });

  it('an unknown model names the closest ids', async () => {
    await expect(resolveModel(catalog, 'deepseek-r2')).rejects.toThrow(/unknown model "deepseek-r2"; closest: .*deepseek-r1/);
  });

  it('a malformed catalog entry is named by file, entry and field', () => {
    const dir = brokenCatalog('gpus.yaml', (t) => t.replace('memoryBytes: 85899345920', 'memoryBytes: lots'));
    expect(() => loadCatalog(dir)).toThrow(/gpus\.yaml: entry "a100-80g", field memoryBytes: .*number/);
  });

  it('a model entry with a broken config field is named too', () => {
    const dir = brokenCatalog('models/llama-3.1.yaml', (t) => t.replace('num_attention_heads: 64', 'num_attention_heads: -64'));
    expect(() => loadCatalog(dir)).toThrow(/llama-3\.1\.yaml: entry "llama-3\.1-70b", field config\.num_attention_heads/);
  });

  it('an artifact naming an unknown quantization is rejected', () => {
    const dir = brokenCatalog('models/mixtral.yaml', (t) => t.replace('quantization: q4_0', 'quantization: q4_zz'));
    expect(() => loadCatalog(dir)).toThrow(/mixtral\.yaml: entry "mixtral-8x7b", field artifacts\.quantization: unknown quantization "q4_zz"/);
  });

  it('a hub repo names one model, whatever the case (an hf: id resolves to one entry)', () => {
    const dir = brokenCatalog('models/llama-3.1.yaml', (t) =>
      t.replace('source: hf:hugging-quants/Meta-Llama-3.1-70B-Instruct-AWQ-INT4', 'source: hf:Hugging-Quants/meta-llama-3.1-8b-instruct-awq-int4'),
    );
    expect(() => loadCatalog(dir)).toThrow(/llama-3\.1\.yaml: entry "llama-3\.1-70b": hub repo "Hugging-Quants\/meta-llama-3\.1-8b-instruct-awq-int4" is also named by "llama-3\.1-8b"/);
  });
});

describe('config.json import', () => {
  it('DeepSeek-R1 config.json gives the same numbers as the catalog entry', async () => {
    const fromConfig = await resolveModel(catalog, fixture('configs/deepseek-r1.config.json'));
    const fromCatalog = await resolveModel(catalog, 'deepseek-r1-671b');
    expect(countParams(fromConfig.architecture!)).toEqual(countParams(fromCatalog.architecture!));
    expect(kvLayout(fromConfig.architecture!, 'auto').perToken).toBe(70_272);
    expect(fromConfig.nativeQuantization).toBe('fp8');
    // R1, V3 (and V3.1, R1-0528) share the architecture: the config is named after all, and adopts none's artifacts.
    expect(fromConfig.origin).toMatch(/same architecture as .*deepseek-r1-671b/);
    expect(fromConfig.origin).toMatch(/deepseek-v3-671b/);
    expect(fromConfig.artifacts).toEqual([]);
  });

  it('a config matching one catalog entry adopts its id and artifacts (Qwen2.5-14B)', async () => {
    const spec = await resolveModel(catalog, fixture('configs/qwen2.5-14b.config.json'));
    expect(spec.id).toBe('qwen2.5-14b');
    expect(spec.artifacts).toEqual((await resolveModel(catalog, 'qwen2.5-14b')).artifacts);
  });

  it('Llama-3.1-70B config gives the catalog numbers at any quantization', async () => {
    const spec = await resolveModel(catalog, fixture('configs/llama-3.1-70b.config.json'));
    const fromConfig = estimateFor(spec, { quant: 'fp8', context: 8192 });
    const fromCatalog = estimateFor('llama-3.1-70b', { quant: 'fp8', context: 8192 });
    expect({ ...fromConfig, model: '', modelName: '', origin: '' }).toEqual({ ...fromCatalog, model: '', modelName: '', origin: '' });
  });

  it('a config outside the catalog still counts exactly (Llama-2-7B: 6.74B, Meta model card "7B")', async () => {
    const spec = await resolveModel(catalog, fixture('configs/llama-2-7b.config.json'));
    expect(countParams(spec.architecture!).total).toBe(6_738_415_616);
    expect(spec.nativeQuantization).toBe('fp16');
  });

  it('malformed and truncated configs are rejected naming the field or the parse error', async () => {
    await expect(resolveModel(catalog, fixture('configs/malformed.config.json'))).rejects.toThrow(/malformed\.config\.json: field hidden_size: .*number/);
    await expect(resolveModel(catalog, fixture('configs/truncated.config.json'))).rejects.toThrow(/truncated\.config\.json": not JSON \(/);
    await expect(resolveModel(catalog, 'missing/config.json')).rejects.toThrow(/no such file/);
  });
});

describe('config.json with --hf-repo: the weights are that repo, at its revision', () => {
  it("a config outside the catalog: the repo (pinned) instead of the config's folder, size from the formula", async () => {
    const spec = await resolveModel(catalog, fixture('configs/llama-2-7b.config.json'), { weights: { repo: 'meta-llama/Llama-2-7b-hf', revision: 'v1' } });
    expect(spec.localDir).toBeNull();
    expect(spec.hfRepo).toBe('meta-llama/Llama-2-7b-hf');
    expect(spec.id).toBe('meta-llama/Llama-2-7b-hf');
    expect(spec.artifacts).toEqual([{ quantization: 'fp16', format: 'safetensors', source: 'hf:meta-llama/Llama-2-7b-hf@v1', bytes: null, includesMtp: false }]);
  });

  it("a config of a catalog model: that repo only (not the entry's other weights), spelled as the catalog does, with the size it verified", async () => {
    const spec = await resolveModel(catalog, fixture('configs/llama-3.1-70b.config.json'), { weights: { repo: 'meta-llama/llama-3.1-70b-instruct', revision: null } });
    expect(spec.id).toBe('llama-3.1-70b');
    expect(spec.artifacts).toHaveLength(1);
    expect(spec.artifacts[0]).toMatchObject({
      source: 'hf:meta-llama/Llama-3.1-70B-Instruct',
      bytes: 141107412992,
      sizeSource: 'catalog entry llama-3.1-70b: model.safetensors.index.json total_size',
    });
    // A fine-tune of the same architecture: its own repo, nothing of the entry's (its size is not the catalog's to vouch for).
    const tuned = await resolveModel(catalog, fixture('configs/llama-3.1-70b.config.json'), { weights: { repo: 'me/llama-tuned', revision: null } });
    expect(tuned.artifacts).toEqual([{ quantization: 'bf16', format: 'safetensors', source: 'hf:me/llama-tuned', bytes: null, includesMtp: false }]);
  });

  it.each([
    ['llama-3.1-8b', /option --hf-repo "a\/b@v1": only a config.json model takes it .*use --model hf:ORG\/NAME\[@REVISION\]/],
    ['hf:a/b', /option --hf-repo "a\/b@v1": --model hf:a\/b already names its repo; pin a revision there/],
    ['model.gguf', /option --hf-repo "a\/b@v1": --model model.gguf is a GGUF file, which is its own weights/],
    ['20b', /option --hf-repo "a\/b@v1": only a config.json model takes it/],
  ])('with --model %s it is refused: that model already names its weights', async (arg, message) => {
    await expect(resolveModel(catalog, arg, { weights: { repo: 'a/b', revision: 'v1' } })).rejects.toThrow(message);
  });
});
