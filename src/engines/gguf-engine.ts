/**
 * The memory accounting llama.cpp and Ollama share: both load GGUF files through
 * llama.cpp's loader, offload whole layers to the GPUs (split by layer over
 * several GPUs, --split-mode layer), keep the token embeddings and any layers
 * that do not fit in host RAM, and size the KV cache for every token of every
 * parallel slot up front.
 */
import { GGML_STATE_DTYPES, stateLayout } from '../memory/state.js';
import type { Quantization } from '../catalog/schema.js';
import { ggufKvLayout } from '../memory/kvcache.js';
import { GiB } from '../memory/units.js';
import { gib, PLAN_FILES } from './common.js';
import { ggufKvBytes, ggufSwaTokens, N_UBATCH, placeGguf, type SwaCache } from './gguf.js';
import type { EngineId, KvDtype } from './ids.js';
import type { Launch, LaunchInput } from './launch.js';
import type { EngineRelease } from './release.js';
import type { Deployment, Engine, EngineFit, ModelVariant, ParallelLayout } from './types.js';
import { FITS, wontStart, type Verdict } from './verdict.js';
import { hubRefOf } from '../util/hub-names.js';
import type { PerfConstants } from '../perf/model.js';

/** The cache type llama.cpp allocates for a KV dtype: `auto` is its default, f16 (common/common.h cache_type_k). */
export function ggufCacheType(kvDtype: KvDtype): KvDtype {
  return kvDtype === 'auto' ? 'f16' : kvDtype;
}

/**
 * Host RAM the llama.cpp process needs besides the offloaded weights: the runtime,
 * host-side compute buffer and tokenizer, ~1 GiB in practice (process RSS of
 * llama-server with a fully offloaded model).
 */
export const GGUF_HOST_PROCESS_BYTES = 1 * GiB;

/** Split a model's layers over the GPUs of one machine; llama.cpp has no multi-node mode gpuplan plans with (its RPC backend is experimental). */
function layerSplitLayouts(gpuCount: number, nodes: number): ParallelLayout[] | string {
  if (nodes > 1) return 'llama.cpp-based engines run on one machine (the RPC backend is experimental)';
  return [{ tp: 1, pp: gpuCount }];
}

/** What the engine made of a deployment, for its settings and log lines. */
export interface GgufPlaced {
  /** Layers on GPU as -ngl counts them (repeating layers + output). */
  ngl: number;
  layers: number;
  allOnGpu: boolean;
  /** Tokens the KV cache holds: context × parallel slots, which both engines allocate up front. */
  kvTokens: number;
  cacheType: string;
}

export interface GgufFitOptions {
  /** Bytes per GPU the engine never allocates into. */
  reservePerGpu: number;
  reserveFormula: string;
  /** Engine settings for the rendered files, given the layers placed on the GPUs. */
  /** How the sliding-window layers' cache is sized (the release's `swaCache`); `shared` when absent. */
  swaCache?: SwaCache;
  settings(placed: GgufPlaced): Record<string, string | number | boolean>;
  logLines(placed: GgufPlaced): string[];
}

export function fitGguf(d: Deployment, o: GgufFitOptions): EngineFit {
  const { variant, gpu, gpuCount, context, concurrency } = d;
  const { arch, layout } = variant;
  const cacheType = ggufCacheType(d.kvDtype);
  const kv = ggufKvLayout(arch, cacheType, variant.artifact?.ggufMlaCache ?? 'heads', d.overrides?.valueCacheType ?? cacheType);
  const kvTokens = context * concurrency;
  // Hybrids keep each parallel sequence's recurrent state beside the KV cache (llama-memory-recurrent.cpp: one cell per sequence).
  const state = stateLayout(arch, GGML_STATE_DTYPES);
  const stateBytes = state ? state.perSequence * concurrency : 0;
  const swaCache = o.swaCache ?? 'shared';
  // The shared formula keeps b6550's modelled 512 whatever the ubatch.
  const ubatch = swaCache === 'shared' ? N_UBATCH : (d.overrides?.ubatch ?? N_UBATCH);
  const kvTotal = ggufKvBytes(arch, kv, kvTokens, concurrency, swaCache, ubatch) + stateBytes;
  const placement = placeGguf({
    arch,
    layout,
    kv,
    kvTokens: kvTokens,
    kvBytes: kvTotal,
    gpu,
    gpuCount,
    reservePerGpu: o.reservePerGpu,
    flashAttention: d.overrides?.flashAttention ?? true,
    maxLayers: d.overrides?.gpuLayers ?? null,
    fixedLayers: d.overrides?.gpuLayers !== undefined,
    ...(d.overrides?.ubatch ? { ubatch: d.overrides.ubatch } : {}),
  });
  const totalLayers = arch.layers + 1;
  const placed: GgufPlaced = { ngl: placement.ngl, layers: totalLayers, allOnGpu: placement.allOnGpu, kvTokens, cacheType };
  const kvOnGpu = (kvTotal * Math.min(placement.ngl, arch.layers)) / arch.layers;
  const offloadedLayerBytes = placement.hostWeightBytes - layout.embeddings;
  const hostRamBytes = Math.ceil(placement.hostWeightBytes + (kvTotal - kvOnGpu) + GGUF_HOST_PROCESS_BYTES);

  let verdict: Verdict = FITS;
  const capacity = gpu.memoryBytes - o.reservePerGpu;
  if (d.overrides?.gpuLayers !== undefined && placement.perGpu.total > capacity) {
    verdict = wontStart(
      'weights-exceed-memory',
      `${placement.ngl} layers on GPU need ${gib(placement.perGpu.total)} on the fullest GPU, more than its ${gib(capacity)}`,
      'ggml_backend_cuda_buffer_type_alloc_buffer: allocating buffer: cudaMalloc failed: out of memory',
    );
  } else if (placement.ngl === 0) {
    verdict = wontStart('no-layer-fits', `not even one layer fits in ${gib(gpu.memoryBytes - o.reservePerGpu)} per GPU`);
  } else if (!placement.allOnGpu && !d.cpuOffload) {
    verdict = wontStart(
      'needs-cpu-offload',
      `only ${placement.ngl} of ${totalLayers} layers fit on ${gpuCount} × ${gpu.id}; the other ${gib(offloadedLayerBytes)} would run from host RAM (allow with --cpu-offload)`,
    );
  }
  // What more memory per GPU would hold every layer and its KV: what is left for host RAM, spread over the GPUs.
  const leftOver = placement.hostWeightBytes - layout.embeddings + (kvTotal - kvOnGpu);
  const shortfallBytes = verdict.status === 'fits' ? 0 : Math.max(0, placement.perGpu.total + o.reservePerGpu - gpu.memoryBytes, leftOver / gpuCount);
  const perGpu = {
    weights: placement.perGpu.weights,
    kvCache: placement.perGpu.kvCache,
    activations: placement.perGpu.compute,
    overhead: o.reservePerGpu,
    total: placement.perGpu.total + o.reservePerGpu,
    capacity: gpu.memoryBytes,
  };
  return {
    verdict,
    shortfallBytes,
    availableKvBytes: perGpu.kvCache,
    gpuBufferBytes: placement.gpuWeightBytes + kvOnGpu + placement.computeTotal,
    gpuKvBytes: kvOnGpu,
    perGpu,
    kv,
    state,
    kvCacheTokens: kvTokens,
    maxConcurrency: kvTokens / context,
    // Every slot is a request running at once; more wait in the queue.
    maxRunningRequests: d.concurrency,
    // ggml-cuda captures CUDA graphs for single-token decode only (ggml_cuda_graph: batch size 1).
    cudaGraphMaxTokens: 1,
    hostWeightBytes: Math.max(0, offloadedLayerBytes),
    hostRamBytes,
    diskBytes: Math.ceil(layout.total),
    gpuLayers: placement.ngl,
    settings: o.settings(placed),
    get logLines() {
      return o.logLines(placed);
    },
    get terms() {
      return [
        { name: 'weights', bytes: perGpu.weights, formula: `${layout.formula}; ${placement.ngl} of ${totalLayers} layers on GPU, split by layer over ${gpuCount} GPU(s)` },
        {
          name: 'kv cache',
          bytes: perGpu.kvCache,
          formula:
            `${kv.formula} × ${kvTokens} tokens (${context} × ${concurrency} slots), the GPU's share of layers` +
            (arch.slidingWindow
              ? swaCache === 'shared'
                ? `; the ${arch.slidingWindow.layers} sliding-window layers keep min(${kvTokens}, ${arch.slidingWindow.window} × ${concurrency} + ${ubatch}) tokens`
                : `; the ${arch.slidingWindow.layers} sliding-window layers keep ${concurrency} × min(n_ctx_seq, ${arch.slidingWindow.window} + ${ubatch}) padded to 256 = ${ggufSwaTokens(arch.slidingWindow.window, kvTokens, concurrency, swaCache, ubatch)} tokens`
              : '') +
            (state ? `; + ${concurrency} × ${state.formula}` : ''),
        },
        { name: 'compute buffer', bytes: perGpu.activations, formula: placement.computeFormula },
        { name: 'reserve', bytes: o.reservePerGpu, formula: o.reserveFormula },
      ];
    },
    get notes() {
      const notes = [`The token embeddings (${gib(layout.embeddings)}) stay in host RAM, as llama.cpp always keeps the input layer on the CPU.`];
      if (!placement.allOnGpu && placement.ngl > 0) {
        notes.push(
          `${totalLayers - placement.ngl} of ${totalLayers} layers (${gib(offloadedLayerBytes)}) run from host RAM: plan ${gib(hostRamBytes)} of RAM, and expect decode to be limited by RAM bandwidth.`,
        );
      }
      return notes;
    },
  };
}

/** GGUF engines run every GGUF type on any GPU llama.cpp's CUDA or ROCm backend supports. */
function ggufUnsupported(engineName: string, quant: Quantization, id: EngineId): string | null {
  return quant.format === 'gguf' && quant.engines.includes(id) ? null : `${engineName} runs GGUF files only`;
}

/**
 * Hugging Face caps a file at 50 GB (hub docs, "Repository limitations"), so larger
 * GGUFs are published split into parts (`-00001-of-0000N.gguf`).
 */
export const HF_MAX_FILE_BYTES = 50e9;

/**
 * Whether a Hugging Face GGUF is published in parts: larger than one hub file may be, or named
 * as the catalog names split quants, by their folder (`hf:org/repo/<folder>`) rather than a
 * `.gguf` file, which also holds when the catalog does not know the size.
 */
export function isSplitGguf(artifact: { source: string; bytes: number | null }): boolean {
  if (!artifact.source.startsWith('hf:')) return false;
  if ((artifact.bytes ?? 0) > HF_MAX_FILE_BYTES) return true;
  const path = /^hf:[^/]+\/[^/]+\/(.+)$/.exec(artifact.source)?.[1];
  return path !== undefined && !/\.gguf$/i.test(path);
}

/** Where a GGUF artifact comes from decides which engine can fetch it. */
function ggufLoadUnsupported(variant: ModelVariant, accepts: GgufSources, engineName: string): string | null {
  const artifact = variant.artifact;
  if (variant.origin !== 'artifact' || artifact?.format !== 'gguf') return `${engineName} needs a published GGUF file`;
  if (artifact.source.startsWith('ollama:')) return accepts.ollama ? null : `${artifact.source} is an Ollama library tag; ${engineName} loads GGUF files from Hugging Face`;
  // A GGUF on disk: llama-server --model, or a Modelfile FROM path (one file, as gpuplan reads it).
  if (artifact.source.startsWith('file:')) return null;
  if (!accepts.hf) return `${engineName} cannot load ${artifact.source}`;
  const revision = hubRefOf(artifact.source)?.revision ?? null;
  if (revision !== null) return `${engineName} pulls a hub repo's default branch and cannot pin ${artifact.source} (revision ${revision})`;
  if (isSplitGguf(artifact) && !accepts.splitFiles) {
    return `${artifact.source} is split into parts (over Hugging Face's 50 GB file limit), which ${engineName} cannot pull; merge them with llama-gguf-split --merge or use llama.cpp`;
  }
  return null;
}

/** Where a GGUF engine can fetch files from. */
export interface GgufSources {
  hf: boolean;
  ollama: boolean;
  /** Multi-part GGUFs (`-00001-of-0000N.gguf`). */
  splitFiles: boolean;
}

export interface GgufEngineSpec<R extends EngineRelease> {
  id: EngineId;
  name: string;
  release: R;
  /** The release's KV dtypes, read from its flag set when first asked (plans with `auto` never ask). */
  kvDtypes: () => readonly KvDtype[];
  sources: GgufSources;
  /** The engine's own files under `--out` (PLAN.md and plan.json are added). */
  files: readonly string[];
  fit(release: R, d: Deployment): EngineFit;
  /** The release's speed constants (the engine's perf.ts). */
  perf: PerfConstants;
  /** Whether gpuplan renders several servers of it behind a load balancer (llama.cpp) or one only (Ollama). */
  replicas: boolean;
  launch(input: LaunchInput): Launch;
}

/** An Engine for a llama.cpp-based server: GGUF only, one machine, layers split over its GPUs. */
export function ggufEngine<R extends EngineRelease>(spec: GgufEngineSpec<R>): Engine {
  return {
    id: spec.id,
    name: spec.name,
    version: spec.release.version,
    release: spec.release,
    parallelism: 'layers',
    images: spec.release.images,
    get kvDtypes() {
      return spec.kvDtypes();
    },
    onlineQuantizations: [],
    // llama.cpp and Ollama allocate what the layers and slots need, and take no memory fraction.
    memoryFractionCeiling: null,
    ...(spec.sources.ollama ? { nativeSource: 'ollama:' } : {}),
    unsupported: (quant) => ggufUnsupported(spec.name, quant, spec.id),
    refusal: () => null,
    loadUnsupported: (variant) => ggufLoadUnsupported(variant, spec.sources, spec.name),
    layouts: (_arch, _gpu, gpuCount, nodes) => layerSplitLayouts(gpuCount, nodes),
    fit: (d) => spec.fit(spec.release, d),
    perf: spec.perf,
    // One server per set of GPUs: more load means more servers behind a load balancer; no expert parallel.
    scaling: { dataParallel: spec.replicas ? 'replicas' : 'none', expertParallel: false, nodeReplicas: false },
    scaleSettings: () => ({}),
    deployFiles: () => [...spec.files, ...PLAN_FILES],
    launch: spec.launch,
  };
}
