/**
 * Which models an engine release can load: the architectures its own source registers, read by
 * scripts/engine-facts/model-types.mjs into catalogs/engine-models/<engine>-<version>.json
 * (docs/ARCHITECTURE.md, "Adding an engine release"). A plan never names a release that cannot
 * load the model.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
// Type only: the records are checked when the package is built and by test/engines/engine-facts.test.ts.
import type { ModelSupportSchema } from './facts-schema.js';
import type { Architecture } from '../catalog/architecture.js';
import type { Engine, ModelVariant } from './types.js';

const MODELS_DIR = fileURLToPath(new URL('../../catalogs/engine-models/', import.meta.url));

type ModelSupport = z.infer<typeof ModelSupportSchema>;

const loaded = new Map<string, ModelSupport | null>();

/** The release's record, or null when gpuplan has none for it (nothing is then refused). */
export function modelSupport(engine: string, version: string): ModelSupport | null {
  const key = `${engine}-${version}`;
  if (!loaded.has(key)) {
    let record: ModelSupport | null = null;
    try {
      record = JSON.parse(readFileSync(join(MODELS_DIR, `${key}.json`), 'utf8')) as ModelSupport;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    loaded.set(key, record);
  }
  return loaded.get(key) ?? null;
}

/**
 * The GGUF general.architecture llama.cpp writes for a transformers model_type
 * (src/llama-arch.cpp LLM_ARCH_NAMES); only types whose name is known are checked.
 */
const GGUF_ARCHITECTURES: Readonly<Record<string, string>> = {
  llama: 'llama',
  mistral: 'llama',
  mixtral: 'llama',
  qwen2: 'qwen2',
  qwen2_moe: 'qwen2moe',
  qwen3: 'qwen3',
  qwen3_moe: 'qwen3moe',
  deepseek_v2: 'deepseek2',
  deepseek_v3: 'deepseek2',
  deepseek_v32: 'deepseek32',
  gemma3_text: 'gemma3',
  gemma4_text: 'gemma4',
  qwen3_next: 'qwen3next',
  qwen3_5_text: 'qwen35',
  qwen3_5_moe_text: 'qwen35moe',
  glm4_moe: 'glm4moe',
  glm_moe_dsa: 'glm-dsa',
  minimax_m2: 'minimax-m2',
  kimi_linear: 'kimi-linear',
};

export function ggufArchitectureName(arch: Architecture): string | null {
  if (arch.modelType === 'nemotron_h') return arch.moe ? 'nemotron_h_moe' : 'nemotron_h';
  return Object.hasOwn(GGUF_ARCHITECTURES, arch.modelType) ? (GGUF_ARCHITECTURES[arch.modelType] ?? null) : null;
}

/** What an engine must be able to load for this model: what a plan records (`model.loads`) to check a re-target. */
export interface ModelLoads {
  modelType: string;
  hfArchitecture: string | null;
  ggufArchitecture: string | null;
  generic: boolean;
}

export function modelLoads(arch: Architecture): ModelLoads {
  return { modelType: arch.modelType, hfArchitecture: arch.hfArchitecture, ggufArchitecture: ggufArchitectureName(arch), generic: arch.assumptions.length > 0 };
}

/**
 * Why this release cannot load the model, or null. A GGUF is checked against the runtime's GGUF
 * architectures, safetensors against the registered Hugging Face architectures. A model read
 * generically (an unknown model_type) is not refused: vLLM and SGLang can fall back to their
 * Transformers backend, and its assumptions are said with the plan.
 */
export function modelSupportProblem(engine: Pick<Engine, 'id' | 'name' | 'version'>, variant: Pick<ModelVariant, 'arch' | 'quant'>): string | null {
  return loadProblem(engine, modelLoads(variant.arch), variant.quant.format);
}

/** The same check from what a plan recorded (`render --engine-version` re-targets a plan). */
export function loadProblem(engine: Pick<Engine, 'id' | 'name' | 'version'>, loads: ModelLoads, format: string): string | null {
  if (loads.generic) return null;
  const record = modelSupport(engine.id, engine.version);
  if (!record) return null;
  const where = `catalogs/engine-models/${engine.id}-${engine.version}.json${record.exact ? '' : `, read at ${record.readAt?.ref ?? record.readAt?.commit ?? 'an earlier commit'}`}`;
  if (format === 'gguf') {
    const name = loads.ggufArchitecture;
    if (!name || !record.ggufArchitectures || record.ggufArchitectures.includes(name)) return null;
    return `${engine.name} ${engine.version} cannot load GGUF architecture "${name}" (${loads.modelType}); its runtime does not list it (${where})`;
  }
  const name = loads.hfArchitecture;
  if (!name || record.ggufArchitectures || record.architectures.includes(name)) return null;
  return `${engine.name} ${engine.version} has no ${name} in its model registry (${where})`;
}
