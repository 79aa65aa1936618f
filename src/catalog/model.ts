import { ownEntry } from '../util/own.js';
import { existsSync, statSync } from 'node:fs';
import { UserError } from '../util/errors.js';
import { requireRegularFile } from '../util/user-file.js';
import { hubSource, parseHubRef, type HubRef } from '../util/hub-names.js';
import type { Architecture } from './architecture.js';
import type { Catalog, CatalogModel } from './catalog.js';
import { findCatalogModel } from './lookup.js';
import type { Artifact, HfConfig, Quantization } from './schema.js';
import type { WeightLayout } from '../memory/weights.js';
import type { HubOptions } from './hub.js';

/** A model as the memory model sees it, wherever it came from. */
export interface ModelSpec {
  id: string;
  name: string;
  hfRepo: string | null;
  /** A checkpoint directory on this machine (a model given by the path of its config.json). */
  localDir: string | null;
  /** Exact bytes per layer of one artifact (a GGUF file's tensor table), used instead of the formula. */
  exactLayout: { source: string; layout: WeightLayout } | null;
  /** Null for a bare parameter count (`--model 20b`): weights and training terms only. */
  architecture: Architecture | null;
  /** Set only for a bare parameter count. */
  declaredParams: number | null;
  artifacts: Artifact[];
  distills: string[];
  publishedParams: number | null;
  publishedActiveParams: number | null;
  /** The quantization the published checkpoint is stored in. */
  nativeQuantization: string;
  /** Where the spec came from, for the output. */
  origin: string;
  /**
   * Said with every plan of this model: how it was resolved, when that is not what was asked
   * (an `hf:` repo read from its catalog entry because the hub could not answer).
   */
  note?: string;
}

const TORCH_DTYPE_QUANT: Record<string, string> = { bfloat16: 'bf16', float16: 'fp16', float32: 'fp32' };

/**
 * compressed-tensors (llm-compressor) checkpoints describe their scheme per config group:
 * weights {num_bits, type}. W8A8/W8A16 float → fp8, 8-bit int → int8, 4-bit int (W4A16,
 * GPTQ-style groups, run by vLLM's Marlin kernels) → gptq-int4.
 */
function compressedTensorsQuantization(q: Record<string, unknown>): string | undefined {
  const groups = Object.values((q.config_groups ?? {}) as Record<string, { weights?: { num_bits?: unknown; type?: unknown } }>);
  const weights = groups[0]?.weights;
  if (!weights) return undefined;
  if (weights.type === 'float' && weights.num_bits === 8) return 'fp8';
  if (weights.type === 'int' && weights.num_bits === 8) return 'int8';
  if (weights.type === 'int' && weights.num_bits === 4) return 'gptq-int4';
  return undefined;
}

/** The quantization a checkpoint is stored in, from its quantization_config or dtype. */
export function nativeQuantizationOf(config: HfConfig): string {
  const q = config.quantization_config as Record<string, unknown> | undefined;
  const method = typeof q?.quant_method === 'string' ? q.quant_method : undefined;
  const bits = typeof q?.bits === 'number' ? q.bits : 4;
  if (q && method === 'compressed-tensors') {
    const scheme = compressedTensorsQuantization(q);
    if (scheme) return scheme;
  }
  switch (method) {
    case 'fp8':
      return 'fp8';
    case 'awq':
      return 'awq-int4';
    case 'gptq':
      return bits === 8 ? 'gptq-int8' : 'gptq-int4';
    case 'bitsandbytes':
      return 'bnb-nf4';
    case 'mxfp4':
      return 'mxfp4';
    default:
      return ownEntry(TORCH_DTYPE_QUANT, config.torch_dtype ?? config.dtype ?? 'bfloat16') ?? 'bf16';
  }
}

const PARAM_COUNT = /^(\d+(?:\.\d+)?)\s*([bm])$/i;

/** `20b`, `7.5B`, `350m`: a model known only by its parameter count. */
export function parseParamCount(text: string): number | null {
  const match = PARAM_COUNT.exec(text.trim());
  if (!match?.[1] || !match[2]) return null;
  const count = Number(match[1]) * (match[2].toLowerCase() === 'b' ? 1e9 : 1e6);
  if (!(count >= MIN_PARAM_COUNT && count <= MAX_PARAM_COUNT)) {
    throw new UserError(`model "${text.trim()}": a parameter count must be between 1m and 100000b (${MAX_PARAM_COUNT.toExponential()} parameters)`);
  }
  return count;
}

/** A million parameters; 100 trillion, 50× the largest open-weights model of 2026 (about 2T). */
const MIN_PARAM_COUNT = 1e6;
const MAX_PARAM_COUNT = 1e14;

export interface ResolveOptions extends Partial<HubOptions> {
  /**
   * `--hf-repo ORG/NAME[@REV]`: the hub repo a config.json's weights come from. Only a
   * config.json takes it: every other kind of model already names its weights
   * (docs/ARCHITECTURE.md, "Models").
   */
  weights?: { repo: string; revision: string | null } | undefined;
}

/** `--hf-repo` given with a model that already names its weights: why, and what to write instead. */
function hfRepoRefused(arg: string, weights: NonNullable<ResolveOptions['weights']>): UserError {
  const given = `option --hf-repo "${weights.repo}${weights.revision ? `@${weights.revision}` : ''}"`;
  if (arg.startsWith('hf:')) return new UserError(`${given}: --model ${arg} already names its repo; pin a revision there (hf:ORG/NAME@REVISION)`);
  if (/\.gguf$/i.test(arg)) return new UserError(`${given}: --model ${arg} is a GGUF file, which is its own weights; --hf-repo is for a config.json`);
  return new UserError(`${given}: only a config.json model takes it (--model path/to/config.json --hf-repo ORG/NAME); for a hub repo use --model hf:ORG/NAME[@REVISION]`);
}

/**
 * Resolves `--model`: a catalog id or alias, `hf:org/name[@rev]` (the hub, cached), a
 * path to a .gguf file or a config.json (its weights from `--hf-repo`, else its own
 * directory), or a parameter count.
 */
export async function resolveModel(catalog: Catalog, arg: string, options: ResolveOptions = {}): Promise<ModelSpec> {
  const { weights, ...hub } = options;
  const isConfig = !arg.startsWith('hf:') && !/\.gguf$/i.test(arg) && (arg.endsWith('.json') || (existsSync(arg) && statSync(arg).isFile()));
  if (weights && !isConfig) throw hfRepoRefused(arg, weights);
  if (arg.startsWith('hf:')) {
    // Loaded only for hub models: @huggingface/hub is not needed for the rest.
    const { modelFromHub, hubOptionsFromEnv } = await import('./hub.js');
    return modelFromHub(catalog, arg, { ...hubOptionsFromEnv(hub.offline ?? false), ...hub });
  }
  if (/\.gguf$/i.test(arg)) {
    requireRegularFile(arg, 'model file');
    const { modelFromGguf } = await import('./gguf-file.js');
    return modelFromGguf(catalog, arg);
  }
  if (isConfig) {
    if (!existsSync(arg)) throw new UserError(`model config "${arg}": no such file`);
    const { modelFromConfigFile } = await import('./config-file.js');
    return modelFromConfigFile(catalog, arg, weights ?? null);
  }
  const count = parseParamCount(arg);
  if (count !== null) return resolveParamCount(arg, count);
  return specFromCatalogEntry(findCatalogModel(catalog, arg));
}

/** A model known only by its parameter count: weights and training terms, no KV or activations. */
export function resolveParamCount(arg: string, count: number): ModelSpec {
  return {
    id: arg.toLowerCase(),
    name: `generic ${arg} dense model`,
    hfRepo: null,
    localDir: null,
    exactLayout: null,
    architecture: null,
    declaredParams: count,
    artifacts: [],
    distills: [],
    publishedParams: null,
    publishedActiveParams: null,
    nativeQuantization: 'bf16',
    origin: 'parameter count given on the command line',
  };
}

export function specFromCatalogEntry(entry: CatalogModel): ModelSpec {
  return {
    id: entry.id,
    name: entry.name,
    hfRepo: entry.hfRepo,
    localDir: null,
    exactLayout: null,
    architecture: entry.architecture,
    declaredParams: null,
    artifacts: entry.artifacts,
    distills: entry.distills,
    publishedParams: entry.publishedParams,
    publishedActiveParams: entry.publishedActiveParams ?? null,
    nativeQuantization: nativeQuantizationOf(entry.config),
    origin: entry.file,
  };
}

/**
 * An `hf:` repo the catalog knows, from its catalog entry: for when the hub cannot answer
 * (docs/ARCHITECTURE.md, "Models"). It is what a hub read of the repo gives when the repo's
 * config matches the entry: the repo's own weights first (the entry's artifacts in that repo,
 * with their verified sizes; for a repo the entry names only as an alias, its checkpoint in the
 * entry's stored format, size unknown), then the entry's other artifacts. A file in the repo
 * (`path`) must be one the entry lists, or null: its quantization would be a guess.
 */
export function specFromCatalogRepo(entry: CatalogModel, ref: HubRef, why: string): ModelSpec | null {
  const key = ref.repo.toLowerCase();
  const inRepo = (a: Artifact) => {
    const parsed = a.source.startsWith('hf:') ? parseHubRef(a.source.slice(3), true) : null;
    if (parsed === null || typeof parsed === 'string' || parsed.repo.toLowerCase() !== key) return null;
    return ref.path === null || parsed.path?.toLowerCase() === ref.path.toLowerCase() ? parsed : null;
  };
  const listed = entry.artifacts.filter((a) => inRepo(a) !== null);
  if (listed.length === 0 && ref.path !== null) return null;
  // A pinned revision is what the plan pulls; the catalog's facts are those of the repo as catalogued.
  const pinned = (a: Artifact): Artifact => (ref.revision === null ? a : { ...a, source: hubSource(ref.repo, ref.revision, inRepo(a)?.path ?? null) });
  const own: Artifact[] =
    listed.length > 0
      ? listed.map(pinned)
      : [
          {
            quantization: nativeQuantizationOf(entry.config),
            format: 'safetensors',
            source: hubSource(ref.repo, ref.revision),
            bytes: null,
            includesMtp: (entry.config.num_nextn_predict_layers ?? 0) > 0,
          },
        ];
  const asked = `hf:${ref.repo}${ref.path ? `/${ref.path}` : ''}${ref.revision ? `@${ref.revision}` : ''}`;
  const revisionNote = ref.revision ? `; the entry describes the repo as catalogued, not revision ${ref.revision} in particular` : '';
  return {
    ...specFromCatalogEntry(entry),
    hfRepo: ref.repo,
    artifacts: [...own, ...entry.artifacts.filter((a) => !listed.includes(a))],
    nativeQuantization: (own[0] as Artifact).quantization,
    origin: `${entry.file}, catalog entry ${entry.id}, for ${asked} (${why})`,
    note: `${asked} was read from gpuplan's catalog entry ${entry.id}, not from the hub: ${why}${revisionNote}.`,
  };
}

/** The artifact published for a quantization, preferring one whose size is known. */
export function artifactFor(model: ModelSpec, quant: Quantization): Artifact | null {
  const matching = model.artifacts.filter((a) => a.quantization === quant.id);
  return matching.find((a) => a.bytes !== null) ?? matching[0] ?? null;
}
