import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED_CATALOG_DIR } from '../../src/catalog/catalog.js';
import { fixture } from '../helpers.js';
import { gpuplan } from './run.js';

const noStackTrace = (text: string) => expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);

describe('gpuplan estimate (built CLI)', () => {
  it('prints the DeepSeek-R1 breakdown: 671B, 70,272 B/token, MTP separate', () => {
    const r = gpuplan(['estimate', '--model', 'deepseek-r1-671b']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/671\.0B total/);
    expect(r.stdout).toMatch(/70,272 B\/token/);
    expect(r.stdout).toMatch(/MTP module, not served/);
  });

  it('shows the flat 1.15 rule (1,543 GB) at BF16 next to the 1.34 TB of weights', () => {
    const r = gpuplan(['estimate', '--model', 'deepseek-r1', '--quant', 'bf16']);
    expect(r.stdout).toMatch(/Weights +1,342\.1 GB/);
    expect(r.stdout).toMatch(/× 1\.15 = 1,543\.\d GB/);
  });

  it('--json is valid JSON on stdout and nothing else, with the contract fields', () => {
    const r = gpuplan(['estimate', '--model', 'llama-3.1-70b', '--context', '2048', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const json = JSON.parse(r.stdout);
    for (const key of ['model', 'params', 'activeParams', 'quantization', 'weightsBytes', 'kvBytesPerToken', 'perGpu', 'kvCacheTokens', 'terms']) {
      expect(json).toHaveProperty(key);
    }
    expect(json.kvBytesPerToken).toBe(327_680);
    expect(Object.keys(json.perGpu).sort()).toEqual(['activations', 'capacity', 'kvCache', 'overhead', 'total', 'weights']);
    for (const term of json.terms) expect(Object.keys(term).sort()).toEqual(['bytes', 'formula', 'name']);
  });

  it('exits 1 when the configuration does not fit the GPU', () => {
    const r = gpuplan(['estimate', '--model', 'llama-3.1-70b', '--gpu', '4090']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/does NOT fit/);
  });

  it('reads a Hugging Face config.json', () => {
    const r = gpuplan(['estimate', '--model', fixture('configs/deepseek-r1.config.json'), '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).params).toBe(671_026_419_200);
  });

  it.each([
    [['estimate', '--model', 'deepseek-r2'], /unknown model "deepseek-r2"; closest: deepseek-r1/],
    [['estimate', '--model', 'llama-3.1-8b', '--gpu', 'z100'], /unknown GPU "z100"; closest: /],
    [['estimate', '--model', 'llama-3.1-8b', '--quant', 'q5'], /unknown quantization "q5"; closest: /],
    [['estimate', '--model', 'llama-3.1-8b', '--context', 'abc'], /option '-c, --context <tokens>' argument 'abc' is invalid\. must be a whole number/],
    [['estimate', '--model', 'llama-3.1-8b', '--context', '999999'], /at most 131072 tokens/],
    [['estimate', '--model', 'llama-3.1-8b', '--tp', '3'], /--tp "3": TP 3 does not divide the 32 attention heads/],
    [['estimate', '--model', 'llama-3.1-8b', '--mode', 'train'], /option '--mode <mode>' argument 'train' is invalid\. valid choices: inference, full, lora, qlora/],
    [['estimate', '--model', fixture('configs/malformed.config.json')], /field hidden_size/],
    [['estimate', '--model', fixture('configs/truncated.config.json')], /^gpuplan: model config ".*truncated\.config\.json": not JSON \(/],
    [['estimate', '--model', 'llama-3.1-8b', '--bogus'], /unknown option '--bogus'/],
    [['catalog', 'gpu'], /unknown catalog "gpu"; valid: models, gpus, quants/],
  ])('bad input %j → exit 2, one clear line', (args, message) => {
    const r = gpuplan(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    noStackTrace(r.stderr);
  });
});

describe('--catalog DIR', () => {
  it('a malformed catalog entry → exit 2 naming file, entry and field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpuplan-cli-catalog-'));
    cpSync(BUNDLED_CATALOG_DIR, dir, { recursive: true });
    const gpus = join(dir, 'gpus.yaml');
    writeFileSync(gpus, readFileSync(gpus, 'utf8').replace('bf16Tflops: 989', 'bf16Tflops: fast'));
    const r = gpuplan(['--catalog', dir, 'estimate', '--model', 'llama-3.1-8b']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/gpus\.yaml: entry "h100-sxm", field bf16Tflops: .*number/);
    noStackTrace(r.stderr);
  });

  it('a missing catalog directory → exit 2', () => {
    const r = gpuplan(['--catalog', '/nonexistent/catalog', 'catalog', 'gpus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^gpuplan: catalog file ".*gpus\.yaml": cannot read it: no such file \(ENOENT\)\n$/);
  });
});

describe('gpuplan catalog', () => {
  it.each(['models', 'gpus', 'quants'])('%s lists the catalog as text and JSON', (what) => {
    const text = gpuplan(['catalog', what]);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n').length).toBeGreaterThan(15);
    const json = gpuplan(['catalog', what, '--json']);
    expect(JSON.parse(json.stdout).length).toBeGreaterThan(15);
  });
});

describe("gpuplan estimate --engine (the engine's own accounting)", () => {
  it('Llama-3.1-70B BF16 on 2 × H100 at 32k, vLLM 0.11.0: refuses to start and says the max length it could serve', () => {
    const r = gpuplan(['estimate', '--model', 'llama-3.1-70b', '--gpu', 'h100-sxm', '--tp', '2', '--engine', 'vllm', '--engine-version', '0.11.0', '--json']);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.fits).toBe(false);
    expect(json.verdict).toMatchObject({ status: 'wont-start', reason: 'kv-below-one-sequence' });
    // capacity is 0.11.0's gpu_memory_utilization 0.9 × the 79.19 GiB CUDA reports on an H100 (vLLM logs total_memory=79.19GiB)
    expect(json.perGpu.capacity / 2 ** 30).toBeCloseTo(0.9 * 79.19, 2);
    expect(json.engine).toMatchObject({ engine: 'vllm', version: '0.11.0', verdict: { reason: 'kv-below-one-sequence' } });
    expect(json.engine.logLines).toEqual([json.verdict.engineMessage]);
    // 0.11.0's own wording, typo included (vllm/v1/core/kv_cache_utils.py at v0.11.0).
    expect(json.verdict.engineMessage).toMatch(/^ValueError: To serve at least one request with the models's max seq len \(32768\)/);
    expect(json.engine.logLines[0]).toMatch(/the estimated maximum model length is \d{4,5}\./);
  });

  it('the same on vLLM 0.31.0 (the default): gpu_memory_utilization 0.92, CUDA graphs inside the budget, the fixed wording', () => {
    const r = gpuplan(['estimate', '--model', 'llama-3.1-70b', '--gpu', 'h100-sxm', '--tp', '2', '--engine', 'vllm', '--json']);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.perGpu.capacity / 2 ** 30).toBeCloseTo(0.92 * 79.19, 2);
    expect(json.verdict.engineMessage).toMatch(/^ValueError: To serve at least one request with the model's max seq len \(32768\).*\(which also controls CPU memory on the CPU backend\)/);
  });

  it('with a shorter context it fits, and kvCacheTokens is the pool vLLM logs', () => {
    const r = gpuplan(['estimate', '--model', 'llama-3.1-70b', '--gpu', 'h100-sxm', '--tp', '2', '--engine', 'vllm', '--context', '4096', '--json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.kvCacheTokens % 16).toBe(0); // whole 16-token blocks
    expect(json.engine.kvPoolTokens).toBe(json.kvCacheTokens);
    expect(json.engine.logLines).toContain(`GPU KV cache size: ${json.kvCacheTokens.toLocaleString('en-US')} tokens`);
    expect(json.engine.logLines).toContain(`Available KV cache memory: ${(json.engine.availableKvBytes / 2 ** 30).toFixed(2)} GiB`);
    // The text output prints the lines the engine will print.
    const text = gpuplan(['estimate', '--model', 'llama-3.1-70b', '--gpu', 'h100-sxm', '--tp', '2', '--engine', 'vllm', '--context', '4096']);
    expect(text.stdout).toContain(`vLLM 0.31.0 will log\n  Model loading took`);
  });

  it('--engine-version of a version without its own record reads with the release whose behaviour it shares, and reproduces its log', () => {
    // vLLM 0.19.0 on an H100, Llama-3.1-8B, 16k, utilization 0.95 logged "Available KV cache memory: 58.11 GiB" and
    // "GPU KV cache size: 476,016 tokens" (test/fixtures/engine-logs/vllm/vllm-a-0.19.0-llama-3.1-8b-h100-16k.yaml).
    const r = gpuplan(['estimate', '--model', 'llama-3.1-8b', '--gpu', 'h100-sxm', '--engine', 'vllm', '--engine-version', '0.19.0', '--context', '16384', '--gpu-mem-util', '0.95', '--json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.engine.version).toBe('0.16.0');
    expect(json.notes[0]).toMatch(/vLLM 0\.19\.0 has no release record; it is read with 0\.16\.0's facts/);
    expect(json.engine.availableKvBytes / 2 ** 30).toBeGreaterThan(58.11 * 0.99);
    expect(json.engine.availableKvBytes / 2 ** 30).toBeLessThanOrEqual(58.11);
    expect(json.engine.kvPoolTokens / 476_016).toBeGreaterThan(0.99);
    // A version newer than any recorded release is not guessed.
    const newer = gpuplan(['estimate', '--model', 'llama-3.1-8b', '--gpu', 'h100-sxm', '--engine', 'vllm', '--engine-version', '0.40.0']);
    expect(newer.code).toBe(2);
    expect(newer.stderr).toMatch(/option --engine-version "0\.40\.0": vLLM release "0\.40\.0" is not known; valid: 0\.31\.0/);
  });

  it('--engine without --gpu is bad input', () => {
    const r = gpuplan(['estimate', '--model', 'llama-3.1-8b', '--engine', 'vllm']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--engine "vllm" needs --gpu/);
  });
});
