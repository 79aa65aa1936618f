import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelFromGguf } from '../../src/catalog/gguf-file.js';
import { GGML_BLOCKS, tensorBytes } from '../../src/memory/gguf-tensors.js';
import { catalog } from '../helpers.js';
import { tinyTensors, writeTinyGguf } from '../fixtures/gguf/write-gguf.js';

const dir = mkdtempSync(join(tmpdir(), 'gguf-'));

describe('GGUF header → model (issue 7 must-show)', async () => {
  const path = join(dir, 'tiny-llama.Q4_K_M.gguf');
  const written = writeTinyGguf(path);
  const model = await modelFromGguf(catalog, path);

  it('tensor bytes add up exactly to the data section of the file', () => {
    expect(model.artifacts[0]?.bytes).toBe(written.dataBytes);
    expect(written.fileBytes - written.dataOffset).toBe(written.dataBytes);
    expect(model.exactLayout?.layout.total).toBe(written.dataBytes);
  });

  it('reads the architecture from the metadata and the quantization from general.file_type', () => {
    expect(model.architecture).toMatchObject({ layers: 2, hiddenSize: 256, vocabSize: 256, maxContext: 4096 });
    expect(model.architecture?.attention).toMatchObject({ kind: 'gqa', heads: 4, kvHeads: 2 });
    expect(model.nativeQuantization).toBe('q4_k_m');
    // Parameters: the elements of every tensor.
    expect(model.publishedParams).toBe(tinyTensors().reduce((n, [, shape]) => n + shape.reduce((a, b) => a * b, 1), 0));
  });

  it('lays the bytes out per layer, embeddings and output as llama.cpp offloads them', () => {
    const layout = model.exactLayout!.layout;
    const perLayer = tinyTensors()
      .filter(([n]) => n.startsWith('blk.0.'))
      .reduce((s, [, , , b]) => s + b, 0);
    expect(layout.layers).toEqual([perLayer, perLayer]);
    expect(layout.embeddings).toBe((256 * 256 * 210) / 256);
    expect(layout.lmHead).toBe((256 * 256 * 210) / 256);
  });

  it.each([
    ['truncated', () => writeTinyGguf(join(dir, 'cut.gguf'), { truncateTo: 300 }) && join(dir, 'cut.gguf'), /truncated or damaged/],
    ['not a GGUF', () => (writeFileSync(join(dir, 'text.gguf'), 'hello world, not gguf'), join(dir, 'text.gguf')), /not a GGUF file/],
    ['an unsupported architecture', () => (writeTinyGguf(join(dir, 'rwkv.gguf'), { architecture: 'rwkv6' }), join(dir, 'rwkv.gguf')), /architecture "rwkv6" is not supported/],
  ])('%s file → a UserError saying what happened', async (_label, make, message) => {
    await expect(modelFromGguf(catalog, make() as string)).rejects.toThrow(message);
  });
});

describe('ggml block sizes (ggml.c type_traits)', () => {
  it('give the bits per weight llama.cpp documents: Q4_K 4.5, Q6_K 6.5625, Q8_0 8.5, IQ1_S 1.5625, MXFP4 4.25', () => {
    const bpw = (type: number) => {
      const [n, b] = GGML_BLOCKS[type]!;
      return (b * 8) / n;
    };
    expect([12, 14, 8, 19, 39].map(bpw)).toEqual([4.5, 6.5625, 8.5, 1.5625, 4.25]);
  });

  it('refuse partial blocks and unknown types', () => {
    expect(() => tensorBytes({ name: 'x', shape: [100], type: 12 })).toThrow(/not whole blocks/);
    expect(() => tensorBytes({ name: 'x', shape: [256], type: 99 })).toThrow(/not known/);
  });
});

describe('GGUF metadata of hybrid-attention architectures', async () => {
  const { configFromGguf } = await import('../../src/catalog/gguf-file.js');
  const { architectureFromConfig } = await import('../../src/catalog/architecture.js');
  const tensors = [{ name: 'token_embd.weight', shape: [8, 8], type: 0 }];

  it('gemma3: 5 of every 6 layers on the sliding window (llama.cpp hard-codes the pattern)', () => {
    const md = {
      'general.architecture': 'gemma3',
      'gemma3.block_count': 62,
      'gemma3.context_length': 131072,
      'gemma3.embedding_length': 5376,
      'gemma3.feed_forward_length': 21504,
      'gemma3.attention.head_count': 32,
      'gemma3.attention.head_count_kv': 16,
      'gemma3.attention.key_length': 128,
      'gemma3.attention.sliding_window': 1024,
      'gemma3.vocab_size': 262208,
    };
    const arch = architectureFromConfig(configFromGguf(md, tensors, 'g.gguf'), 'g.gguf');
    expect(arch.slidingWindow).toMatchObject({ window: 1024, layers: 52 });
    expect(arch.slidingWindow?.indices.slice(0, 7)).toEqual([0, 1, 2, 3, 4, 6, 7]);
    expect(arch.tiedEmbeddings).toBe(true);
  });

  it('gpt-oss: even layers windowed, experts sized by expert_feed_forward_length', () => {
    const md = {
      'general.architecture': 'gpt-oss',
      'gpt-oss.block_count': 24,
      'gpt-oss.context_length': 131072,
      'gpt-oss.embedding_length': 2880,
      'gpt-oss.feed_forward_length': 2880,
      'gpt-oss.expert_feed_forward_length': 2880,
      'gpt-oss.expert_count': 32,
      'gpt-oss.expert_used_count': 4,
      'gpt-oss.attention.head_count': 64,
      'gpt-oss.attention.head_count_kv': 8,
      'gpt-oss.attention.key_length': 64,
      'gpt-oss.attention.sliding_window': 128,
      'gpt-oss.vocab_size': 201088,
    };
    const arch = architectureFromConfig(configFromGguf(md, [...tensors, { name: 'output.weight', shape: [8, 8], type: 0 }], 'o.gguf'), 'o.gguf');
    expect(arch.slidingWindow).toMatchObject({ window: 128, layers: 12 });
    expect(arch.slidingWindow?.indices.slice(0, 3)).toEqual([0, 2, 4]);
    expect(arch.moe).toMatchObject({ routedExperts: 32, expertsPerToken: 4, expertIntermediateSize: 2880, expertBias: true });
  });
});
