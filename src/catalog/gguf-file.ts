/**
 * `--model path/to/model.gguf`: the architecture from the GGUF metadata and the exact
 * bytes of every tensor from its header. @huggingface/gguf reads only the header (in
 * ranged chunks), never the weights.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { gguf, ggufAllShards, GGMLFileQuantizationType, parseGgufShardFilename } from '@huggingface/gguf';
import { ggufWeightLayout, tensorBytes, tensorElements, type TensorInfo } from '../memory/gguf-tensors.js';
import { UserError } from '../util/errors.js';
import { GgufMetadataTooLarge, ggufMetadataCost, type ReadAt } from './gguf-budget.js';
import { requireRegularFile } from '../util/user-file.js';
import { architectureFromConfig } from './architecture.js';
import type { Catalog } from './catalog.js';
import { findByName } from './lookup.js';
import type { ModelSpec } from './model.js';
import { HfConfigSchema, type HfConfig, type Quantization } from './schema.js';
import { parseWith } from './validate.js';

type Metadata = Record<string, unknown>;

/** GGUF general.architecture → transformers model_type, for the architectures gpuplan counts. */
const MODEL_TYPES: Record<string, string> = {
  llama: 'llama',
  mistral: 'mistral',
  qwen2: 'qwen2',
  qwen3: 'qwen3',
  qwen2moe: 'qwen2_moe',
  qwen3moe: 'qwen3_moe',
  deepseek2: 'deepseek_v3',
  gemma3: 'gemma3_text',
  'gpt-oss': 'gpt_oss',
};

function num(value: unknown): number | undefined {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return value;
  // Per-layer arrays (head_count_kv on some architectures): the largest.
  if (Array.isArray(value) && value.length > 0) return value.reduce<number>((max, v) => Math.max(max, Number(v)), Number.NEGATIVE_INFINITY);
  return undefined;
}

/** The config.json transformers would have for this GGUF (llama.cpp's convert_hf_to_gguf.py, reversed). */
export function configFromGguf(metadata: Metadata, tensors: readonly TensorInfo[], file: string): HfConfig {
  const arch = String(metadata['general.architecture'] ?? '');
  const get = (key: string) => num(metadata[`${arch}.${key}`]);
  const experts = get('expert_count');
  // Own keys only: an architecture named `constructor` must not find Object's.
  let modelType = Object.hasOwn(MODEL_TYPES, arch) ? MODEL_TYPES[arch] : undefined;
  if (arch === 'llama' && experts) modelType = 'mixtral';
  if (!modelType) {
    throw new UserError(`${file}: GGUF architecture "${arch}" is not supported; supported: ${Object.keys(MODEL_TYPES).join(', ')}`);
  }
  const tokens = metadata['tokenizer.ggml.tokens'];
  const vocab = get('vocab_size') ?? (Array.isArray(tokens) ? tokens.length : undefined);
  const required = {
    block_count: get('block_count'),
    embedding_length: get('embedding_length'),
    'attention.head_count': get('attention.head_count'),
    context_length: get('context_length'),
    vocab_size: vocab,
  };
  const missing = Object.entries(required)
    .filter(([, v]) => v === undefined)
    .map(([k]) => `${arch}.${k}`);
  if (missing.length > 0) throw new UserError(`${file}: GGUF metadata lacks ${missing.join(', ')}`);
  const config: Record<string, unknown> = {
    model_type: modelType,
    vocab_size: vocab,
    hidden_size: get('embedding_length'),
    intermediate_size: get('feed_forward_length'),
    num_hidden_layers: get('block_count'),
    num_attention_heads: get('attention.head_count'),
    num_key_value_heads: get('attention.head_count_kv') ?? get('attention.head_count'),
    head_dim: get('attention.key_length'),
    max_position_embeddings: get('context_length'),
    // No output.weight tensor: the lm_head is the token embedding.
    tie_word_embeddings: !tensors.some((t) => t.name === 'output.weight'),
    sliding_window: get('attention.sliding_window'),
  };
  if (modelType === 'mixtral') Object.assign(config, { num_local_experts: experts, num_experts_per_tok: get('expert_used_count') });
  if (modelType.endsWith('_moe')) {
    Object.assign(config, {
      num_experts: experts,
      num_experts_per_tok: get('expert_used_count'),
      moe_intermediate_size: get('expert_feed_forward_length'),
      shared_expert_intermediate_size: get('expert_shared_feed_forward_length'),
    });
  }
  if (modelType === 'gpt_oss') {
    // llama.cpp's gpt-oss: experts of expert_feed_forward_length (even layers use the sliding window: below).
    Object.assign(config, {
      num_local_experts: experts,
      num_experts_per_tok: get('expert_used_count'),
      intermediate_size: get('expert_feed_forward_length') ?? get('feed_forward_length'),
    });
  }
  if (modelType === 'deepseek_v3') {
    const rope = get('rope.dimension_count');
    Object.assign(config, {
      n_routed_experts: experts,
      num_experts_per_tok: get('expert_used_count'),
      n_shared_experts: get('expert_shared_count'),
      moe_intermediate_size: get('expert_feed_forward_length'),
      first_k_dense_replace: get('leading_dense_block_count'),
      kv_lora_rank: get('attention.kv_lora_rank'),
      q_lora_rank: get('attention.q_lora_rank') ?? null,
      qk_rope_head_dim: rope,
      qk_nope_head_dim: (get('attention.key_length_mla') ?? get('attention.key_length') ?? 0) - (rope ?? 0),
      v_head_dim: get('attention.value_length_mla') ?? get('attention.value_length'),
      head_dim: undefined,
    });
  }
  // The schema bounds every size (limits.ts) before anything loops over the layers.
  const parsed = parseWith(HfConfigSchema, Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined)), `${file} (GGUF metadata)`);
  if (modelType !== 'gpt_oss') return parsed;
  return { ...parsed, layer_types: Array.from({ length: parsed.num_hidden_layers }, (_, i) => (i % 2 === 0 ? 'sliding_attention' : 'full_attention')) };
}

/** The catalog quantization of general.file_type (`MOSTLY_Q4_K_M` → q4_k_m), else the GGUF one nearest in bits per weight. */
function quantizationOf(catalog: Catalog, metadata: Metadata, bitsPerWeight: number): Quantization {
  const fileType = num(metadata['general.file_type']);
  const name = fileType === undefined ? undefined : (GGMLFileQuantizationType as unknown as Record<number, string>)[fileType];
  const named = name ? findByName(catalog.quantizations, name.toLowerCase()) : undefined;
  if (named) return named;
  const gguf = catalog.quantizations.filter((q) => q.format === 'gguf');
  return gguf.reduce((best, q) => (Math.abs(q.bitsPerWeight - bitsPerWeight) < Math.abs(best.bitsPerWeight - bitsPerWeight) ? q : best), gguf[0] as Quantization);
}

function safeBytes(t: TensorInfo): number {
  try {
    return tensorBytes(t);
  } catch {
    return 0;
  }
}

/** What gpuplan keeps of GGUF headers (all shards of a split file), small enough to cache as JSON. */
export interface GgufHeader {
  metadata: Metadata;
  tensors: TensorInfo[];
}

/** BigInts become numbers; the tokenizer's arrays (hundreds of thousands of strings) become their length. */
function compactMetadata(metadata: Metadata): Metadata {
  const out: Metadata = {};
  const arch = String(metadata['general.architecture'] ?? '');
  for (const [key, value] of Object.entries(metadata)) {
    if (key.startsWith('tokenizer.ggml.') && Array.isArray(value)) {
      if (key === 'tokenizer.ggml.tokens' && metadata[`${arch}.vocab_size`] === undefined) out[`${arch}.vocab_size`] = value.length;
      continue;
    }
    out[key] = typeof value === 'bigint' ? Number(value) : Array.isArray(value) ? value.map((v) => (typeof v === 'bigint' ? Number(v) : v)) : value;
  }
  return out;
}

type Parsed = Awaited<ReturnType<typeof gguf>>;

function headerOf(parsed: readonly Parsed[]): GgufHeader {
  return {
    metadata: compactMetadata((parsed[0]?.metadata ?? {}) as unknown as Metadata),
    tensors: parsed.flatMap((p) => p.tensorInfos.map((t) => ({ name: t.name, shape: t.shape.map(Number), type: Number(t.dtype) }))),
  };
}

/** Bytes of a local file or a URL (a ranged request), for measuring a header before parsing it. */
function readerOf(uri: string, local: boolean, o: { fetch?: typeof fetch; headers?: Record<string, string> }): ReadAt {
  if (local) {
    return async (offset, length) => {
      const fd = openSync(uri, 'r');
      try {
        const buffer = Buffer.alloc(length);
        return buffer.subarray(0, readSync(fd, buffer, 0, length, offset));
      } finally {
        closeSync(fd);
      }
    };
  }
  return async (offset, length) => {
    const response = await (o.fetch ?? fetch)(uri, { headers: { ...(o.headers ?? {}), Range: `bytes=${offset}-${offset + length - 1}` } });
    return new Uint8Array(await response.arrayBuffer()).subarray(0, length);
  };
}

async function checkMetadataCost(uri: string, local: boolean, o: { fetch?: typeof fetch; headers?: Record<string, string> }): Promise<void> {
  try {
    await ggufMetadataCost(readerOf(uri, local, o));
  } catch (error) {
    throw error instanceof GgufMetadataTooLarge ? new UserError(`${uri}: a GGUF with ${error.message}; real models stay under half of that`) : error;
  }
}

/** Parts of one split GGUF: the largest published (DeepSeek/Kimi BF16 GGUFs) have about 50. */
const MAX_GGUF_SHARDS = 1000;

/**
 * The headers of a GGUF (every part of a `-00001-of-0000N.gguf` split), local or at a URL.
 * `fetch` and `headers` reach the hub; a local file also gets its length checked against the
 * tensor table, since the reader stops quietly at the end of a short file.
 */
export async function readGgufHeader(uri: string, o: { fetch?: typeof fetch; headers?: Record<string, string> } = {}): Promise<GgufHeader> {
  const local = !/^https?:/.test(uri);
  const params = { allowLocalFile: local, ...(o.fetch ? { fetch: o.fetch } : {}), ...(o.headers ? { additionalFetchHeaders: o.headers } : {}) };
  const split = parseGgufShardFilename(uri);
  if (split) {
    const total = Number.parseInt(split.total, 10);
    if (total > MAX_GGUF_SHARDS) throw new UserError(`${uri}: a split of ${total} parts (gpuplan reads at most ${MAX_GGUF_SHARDS})`);
    // Every part by the name ggufAllShards gives it. The reader opens each itself: each must be a
    // regular file (a FIFO would block it forever), and each header is measured before it is parsed.
    const parts = Array.from({ length: total }, (_, i) => `${split.prefix}-${String(i + 1).padStart(5, '0')}-of-${String(total).padStart(5, '0')}.gguf`);
    if (local) for (const part of parts) requireRegularFile(part, 'model file part');
    for (const part of parts) await checkMetadataCost(part, local, o);
    const { shards } = await ggufAllShards(uri, params);
    return headerOf(shards);
  }
  await checkMetadataCost(uri, local, o);
  const parsed = await gguf(uri, params);
  const header = headerOf([parsed]);
  if (local) {
    const declared = num(parsed.metadata.tensor_count);
    const dataEnd = parsed.tensorInfos.reduce((end, t, i) => Math.max(end, Number(t.offset) + safeBytes(header.tensors[i] as TensorInfo)), 0);
    const size = statSync(uri).size;
    if (header.tensors.length === 0 || (declared !== undefined && declared !== header.tensors.length) || size < Number(parsed.tensorDataOffset) + dataEnd) {
      throw new GgufTruncated(`${header.tensors.length} of ${declared ?? '?'} tensors readable, file ${size} bytes`);
    }
  }
  return header;
}

class GgufTruncated extends Error {}

/** Why a GGUF could not be read, as a one-line UserError. */
export function ggufReadError(where: string, error: unknown): UserError {
  if (error instanceof UserError) return error;
  const reason = (error as Error).message.split('\n')[0] ?? '';
  const hint = /magic/i.test(reason) ? 'not a GGUF file' : 'the GGUF header is truncated or damaged';
  return new UserError(`${where}: ${hint} (${reason}); pass a complete .gguf file (the first part of a split model)`);
}

/** A ModelSpec from GGUF headers: the architecture from the metadata, the exact bytes from the tensor table. */
export function modelFromGgufHeader(catalog: Catalog, header: GgufHeader, where: string, source: string, idBase: string): ModelSpec {
  const { metadata, tensors } = header;
  try {
    const config = configFromGguf(metadata, tensors, where);
    const architecture = architectureFromConfig(config, where);
    const layout = ggufWeightLayout(tensors, architecture.layers);
    const params = tensors.reduce((n, t) => n + tensorElements(t), 0);
    const quant = quantizationOf(catalog, metadata, (layout.total * 8) / params);
    const name = typeof metadata['general.name'] === 'string' ? (metadata['general.name'] as string) : idBase;
    return {
      id: idBase.replace(/(-0000\d-of-0000\d)?\.gguf$/i, '').toLowerCase(),
      name,
      hfRepo: null,
      localDir: null,
      architecture,
      declaredParams: null,
      artifacts: [
        {
          quantization: quant.id,
          format: 'gguf',
          source,
          bytes: layout.total,
          includesMtp: false,
          sizeSource: 'sum of the tensors in the GGUF header',
          // llama.cpp caches the MLA latent only for files converted with key_length_mla (PR #12801).
          ...(architecture.attention.kind === 'mla'
            ? { ggufMlaCache: metadata[`${String(metadata['general.architecture'])}.attention.key_length_mla`] === undefined ? ('heads' as const) : ('latent' as const) }
            : {}),
        },
      ],
      distills: [],
      publishedParams: params,
      publishedActiveParams: null,
      nativeQuantization: quant.id,
      origin: `${where} (GGUF header: ${tensors.length} tensors, ${String(metadata['general.architecture'])})`,
      exactLayout: { source, layout },
    };
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${where}: ${(error as Error).message}`);
  }
}

export async function modelFromGguf(catalog: Catalog, path: string): Promise<ModelSpec> {
  const file = resolve(path);
  let header: GgufHeader;
  try {
    header = await readGgufHeader(file);
  } catch (error) {
    throw ggufReadError(path, error);
  }
  return modelFromGgufHeader(catalog, header, path, `file:${file}`, basename(file));
}
