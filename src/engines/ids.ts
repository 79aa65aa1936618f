/**
 * Engine ids and each engine's KV cache dtypes: a leaf module (no zod, no catalogs) so
 * the CLI can name its choices without loading anything else.
 */
import { LLAMACPP_KV_DTYPES } from './llamacpp/kv-dtypes.js';
import { OLLAMA_KV_DTYPES } from './ollama/kv-dtypes.js';
import { SGLANG_KV_DTYPES } from './sglang/kv-dtypes.js';
import { VLLM_KV_DTYPES } from './vllm/kv-dtypes.js';

export const ENGINE_IDS = ['vllm', 'sglang', 'ollama', 'llamacpp'] as const;
export type EngineId = (typeof ENGINE_IDS)[number];

export const ENGINE_KV_DTYPES = {
  vllm: VLLM_KV_DTYPES,
  sglang: SGLANG_KV_DTYPES,
  llamacpp: LLAMACPP_KV_DTYPES,
  ollama: OLLAMA_KV_DTYPES,
} as const satisfies Record<EngineId, readonly string[]>;

/** Every KV dtype some engine takes, `auto` first: the CLI's `--kv-dtype` choices. */
export const KV_DTYPES = [...new Set(Object.values(ENGINE_KV_DTYPES).flat())] as KvDtype[];
export type KvDtype = (typeof ENGINE_KV_DTYPES)[EngineId][number];
