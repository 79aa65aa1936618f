/**
 * What every engine descriptor provides (docs/ARCHITECTURE.md, "Engines"). An
 * `EngineDescriptor` is everything gpuplan knows about one engine across its releases;
 * `descriptor.at(version)` binds one release and returns the `Engine` the planner,
 * render and validate ask. Nothing outside src/engines/ switches on an engine's name.
 */
import type { Architecture } from '../catalog/architecture.js';
import type { ModelSpec } from '../catalog/model.js';
import type { Artifact, Gpu, Quantization } from '../catalog/schema.js';
import type { PerGpu, Term } from '../memory/estimate.js';
import type { KvLayout } from '../memory/kvcache.js';
import type { StateLayout } from '../memory/state.js';
import type { ParamCount } from '../memory/params.js';
import type { WeightLayout } from '../memory/weights.js';
import type { FlagSet, OllamaSpec } from './flags.js';
import type { EngineId, KvDtype } from './ids.js';
import type { Launch, LaunchInput } from './launch.js';
import type { EngineRelease } from './release.js';
import type { Verdict } from './verdict.js';
import type { PerfConstants } from '../perf/model.js';

export type { EngineId, KvDtype } from './ids.js';

/** Everything about a model under one quantization that does not depend on the hardware. */
export interface ModelVariant {
  model: ModelSpec;
  arch: Architecture;
  params: ParamCount;
  quant: Quantization;
  artifact: Artifact | null;
  layout: WeightLayout;
  /**
   * What the engine loads before it quantizes at load time (the 16-bit checkpoint, which
   * vLLM's and SGLang's online FP8 load whole and quantize after), or null when the
   * weights load as they are served.
   */
  loadLayout: WeightLayout | null;
  /** How the weights reach this quantization: a published artifact, or the engine converting a 16-bit checkpoint. */
  origin: 'artifact' | 'online';
}

/** One deployment to test: a model variant on some GPUs under one engine. */
export interface Deployment {
  variant: ModelVariant;
  gpu: Gpu;
  gpuCount: number;
  nodes: number;
  tp: number;
  pp: number;
  context: number;
  concurrency: number;
  /** One of the engine's own KV cache dtypes (`auto`: its default). */
  kvDtype: KvDtype;
  /** vLLM's gpu_memory_utilization / SGLang's mem_fraction_static when the user sets one. */
  memoryFraction: number | null;
  /** GGUF engines may keep layers that do not fit in host RAM (slow, but it runs). */
  cpuOffload: boolean;
  /** Engine settings the user (or a replayed log) fixed; absent ones take the release's defaults. */
  overrides?: EngineOverrides;
  /**
   * Data-parallel ranks of one instance that share a MoE model's routed experts (vLLM
   * --data-parallel-size with a MoE model, SGLang --enable-dp-attention): the experts split over
   * dataParallel × tp GPUs. The fit is one rank's: `concurrency` is that rank's. Absent: 1.
   */
  dataParallel?: number;
}

/** Engine settings that change memory, as a launch or a log gives them. */
export interface EngineOverrides {
  /** vLLM --max-num-batched-tokens, SGLang --chunked-prefill-size, llama.cpp --batch-size. */
  batchedTokens?: number;
  /** vLLM --max-num-seqs, SGLang --max-running-requests. */
  maxSequences?: number;
  /** vLLM --enforce-eager, SGLang --disable-cuda-graph: no CUDA graphs. */
  eager?: boolean;
  /** SGLang --cuda-graph-max-bs. */
  cudaGraphMaxBatch?: number;
  /** llama.cpp --cache-type-v when it differs from --cache-type-k. */
  valueCacheType?: KvDtype;
  /** llama.cpp --ubatch-size. */
  ubatch?: number;
  /** llama.cpp --flash-attn (false: off). */
  flashAttention?: boolean;
  /** llama.cpp -ngl / Ollama num_gpu: offload at most this many layers. */
  gpuLayers?: number;
}

export interface EngineFit {
  verdict: Verdict;
  /** Ollama: the GPU memory it says the whole model needs (memory.required.full before 0.30). */
  totalVramBytes?: number;
  /** GGUF engines: the KV buffers over all GPUs. */
  gpuKvBytes?: number;
  /** GGUF engines: what the engine allocates over all GPUs (model, KV and compute buffers), as its buffer lines add up. */
  gpuBufferBytes?: number;
  /**
   * When it does not fit: how many more bytes per GPU it would need, at the same settings (the
   * KV the requests need beyond the pool, or what the reserve lacks, or the layers left over);
   * 0 when it fits, null when no amount of memory would help (a load-time peak aside).
   */
  shortfallBytes: number | null;
  /** Bytes the engine gives the KV cache on each GPU (vLLM "Available KV cache memory", SGLang's pool, llama.cpp's KV buffers). */
  availableKvBytes: number;
  perGpu: PerGpu;
  kv: KvLayout;
  /** The per-sequence state of a hybrid's linear layers in the engine's dtypes (null without them). */
  state: StateLayout | null;
  /** Tokens of KV cache the engine allocates on each GPU (vLLM "GPU KV cache size"). */
  kvCacheTokens: number;
  /** Sequences of the requested context the KV pool holds at once. */
  maxConcurrency: number;
  /**
   * Requests the engine runs at once whatever the pool holds (vLLM max_num_seqs, SGLang
   * max_running_requests, llama.cpp's slots, OLLAMA_NUM_PARALLEL), per data-parallel rank.
   */
  maxRunningRequests: number;
  /**
   * The largest step, in tokens, the engine replays as a CUDA graph; bigger steps launch every kernel
   * (vLLM max_cudagraph_capture_size, SGLang cuda_graph_max_bs for decode; llama.cpp graphs one token).
   * 0 when graphs are off.
   */
  cudaGraphMaxTokens: number;
  /** Weight bytes kept in host RAM (llama.cpp / Ollama partial offload). */
  hostWeightBytes: number;
  /** Host RAM the deployment needs, per node. */
  hostRamBytes: number;
  diskBytes: number;
  /** Layers on GPU out of the model's (GGUF engines). */
  gpuLayers: number | null;
  /** Engine settings the rendered files use (flag name → value). */
  settings: Record<string, string | number | boolean>;
  /** What the engine itself will log about memory, or the error it will raise. */
  logLines: string[];
  terms: Term[];
  notes: string[];
}

/** How one server spreads over its GPUs beyond TP × PP (planner/search.ts InstanceOption). */
export interface ScaleLayout {
  tp: number;
  /** Data-parallel ranks sharing a MoE model's experts (1: none). */
  dp: number;
  /** Independent copies of a dense model the engine serves behind one endpoint (1: none). */
  copies: number;
  expertParallel: boolean;
}

export interface ParallelLayout {
  tp: number;
  pp: number;
}

/**
 * How an engine spreads a model over GPUs: `tensor` engines (vLLM, SGLang) shard
 * attention heads (TP) and stack stages (PP); `layers` engines (llama.cpp, Ollama) put
 * whole layers on each GPU of one machine.
 */
export type Parallelism = 'tensor' | 'layers';

/** One release of an engine, bound: what the planner, render and validate call. */
export interface Engine {
  id: EngineId;
  name: string;
  /** The release whose facts this object follows. */
  version: string;
  release: EngineRelease;
  parallelism: Parallelism;
  /** The container image of this release for each GPU vendor, as rendered into compose files. */
  images: Readonly<Record<Gpu['vendor'], string | null>>;
  /** KV cache dtypes this release accepts (`auto` for its default). */
  kvDtypes: readonly KvDtype[];
  /**
   * Why, with `--dtype auto`, a 16-bit checkpoint in a dtype the GPU lacks (BF16 before compute capability 8.0)
   * loads in one it has (FP16, same bytes) instead of failing; null when the engine stops instead.
   */
  autoDtypeFallback?: string | null;
  /** Null when the engine runs the quantization on the GPU, else why not. */
  unsupported(quant: Quantization, gpu: Gpu, variant: ModelVariant): string | null;
  /** The engine's own refusal of this model in this form (e.g. vLLM refuses float16 for Gemma 2/3), or null. */
  refusal(variant: ModelVariant): Verdict | null;
  /** Null when the engine can load the variant's weights (the artifact's format and where it lives), else why not. */
  loadUnsupported(variant: ModelVariant): string | null;
  /** Parallel layouts the engine can run on `gpuCount` GPUs over `nodes` nodes, or why none. */
  layouts(arch: Architecture, gpu: Gpu, gpuCount: number, nodes: number): ParallelLayout[] | string;
  /** Quantizations the engine can produce at load time from a 16-bit checkpoint. */
  onlineQuantizations: readonly string[];
  /**
   * The most of the GPU's memory gpuplan will suggest giving the engine (`--gpu-mem-util`: vLLM
   * gpu_memory_utilization, SGLang mem_fraction_static), with its source; null for engines that size
   * their buffers exactly and take no fraction (llama.cpp, Ollama).
   */
  memoryFractionCeiling: { fraction: number; source: string } | null;
  /**
   * The artifact source scheme the engine names by itself (`ollama:`, Ollama's library tags), which
   * the planner prefers over other sources of the same quality; unset when the engine has none.
   */
  nativeSource?: string;
  fit(d: Deployment): EngineFit;
  /** This release's speed constants, fitted to published benchmarks (src/engines/<engine>/perf.ts). */
  perf: PerfConstants;
  /**
   * How a deployment serves more load on one node behind one endpoint: the engine's own data
   * parallel (`engine`: vLLM --data-parallel-size, SGLang --dp-size), independent `replicas` behind a
   * load balancer, or `none` (one server only); whether it runs MoE experts expert-parallel; and whether a
   * one-node deployment may be copied onto every node of a larger shape (`nodeReplicas`: the copies are one
   * endpoint through Kubernetes, lws.yaml `replicas`, and the same compose file runs on each node).
   */
  scaling: { dataParallel: 'engine' | 'replicas' | 'none'; expertParallel: boolean; nodeReplicas: boolean };
  /**
   * The settings that lay out a load-sized server beyond the fit's TP × PP (flag name → value): data-parallel
   * copies of a dense model, data-parallel ranks sharing a MoE model's experts, expert parallel. Empty for
   * engines whose copies are separate servers (`scaling.dataParallel` `replicas`).
   */
  scaleSettings(layout: ScaleLayout): Record<string, string | number | boolean>;
  /** The files `--out` writes for a deployment over `nodes` machines. */
  deployFiles(nodes: number): string[];
  /** Render hook: the server launch (program, arguments, environment, port, health) for a plan. */
  launch(input: LaunchInput): Launch;
}

/** How a Python or C++ argument parser reads a command line (what validate must accept). */
export interface CliSyntax {
  /** `--max_model_len` for `--max-model-len` (argparse dest spellings; vLLM's FlexibleArgumentParser). */
  underscores: boolean;
  /** A unique prefix of a long option (argparse allow_abbrev). */
  prefixes: boolean;
  /** `--opt=value` (argparse); llama.cpp takes only `--opt value`. */
  equalsValue: boolean;
  /** vLLM's human_readable_int: `32k`, `32K`. */
  humanReadableInts: boolean;
  /** vLLM's `-O3` for `-O 3`. */
  attachedOptimizationLevel: boolean;
  /** vLLM's `--hf-overrides.key value` for one key of a JSON option. */
  dottedJsonKeys: boolean;
}

/** The canonical flag names of the settings validate reads (null: the engine has no such flag). */
export interface SettingFlags {
  tp: string | null;
  pp: string | null;
  /** Data-parallel replicas (vLLM --data-parallel-size, SGLang --dp-size). */
  dp: string | null;
  /** The data-parallel ranks this machine starts, of `dp` across machines (vLLM --data-parallel-size-local). */
  dpLocal: string | null;
  /** An option that puts the data-parallel ranks inside the TP group (SGLang --enable-dp-attention: TP GPUs in all, DP divides TP). */
  dpInsideTp: string | null;
  /** Machines one launch spans, each running it with its own rank (--nnodes). */
  nodes: string | null;
  /** Tokens per request (vLLM, SGLang) or the whole KV cache shared by the slots (llama.cpp). */
  context: string;
  /** llama.cpp's parallel slots sharing `context`. */
  slots: string | null;
  memoryFraction: string | null;
  quantization: string | null;
  dtype: string | null;
  /** Where the model is named, in order of precedence. */
  model: readonly string[];
  kvDtype: string;
  port: string;
  /** The address the server binds (a loopback address is unreachable from outside its network namespace). */
  host: string;
  gpuLayers: string | null;
  executorBackend: string | null;
  /** Requests run at once (vLLM --max-num-seqs, SGLang --max-running-requests, llama.cpp --parallel). */
  maxSequences: string | null;
  /** Tokens scheduled in one step (vLLM --max-num-batched-tokens, SGLang --chunked-prefill-size, llama.cpp --batch-size). */
  batchedTokens: string | null;
  /** Tokens of one physical batch (llama.cpp --ubatch-size): its compute buffer and each slot's sliding-window cache. */
  ubatch: string | null;
}

/** What a recognised server command line looks like: where its own arguments start, and whether the model may come first. */
export interface ServerCommand {
  start: number;
  positionalModel: boolean;
}

/** What an engine's published image runs when a container gives only arguments. */
export interface ImageRun {
  /** The server runs with the container's command as its arguments; `positionalModel`: it takes `MODEL` first. */
  server: { positionalModel: boolean } | null;
  /** The image runs the Ollama daemon. */
  ollamaDaemon: boolean;
  /** The release the tag names, when it names one gpuplan knows. */
  version: string | null;
  /** The image is a CPU build: the server runs, but no layer goes to a GPU. */
  cpuOnly?: boolean;
}

/** Everything gpuplan knows about one engine, across its releases. */
export interface EngineDescriptor {
  id: EngineId;
  name: string;
  /** Releases with facts, newest first. */
  versions: readonly string[];
  /** The newest stable release: what `--engine-version` defaults to. */
  defaultVersion: string;
  /** One release, bound; throws for a version not in `versions` (the registry checks first). */
  at(version: string): Engine;
  /** The recorded release whose facts describe any version (its `behavesSince` range; older versions: the oldest release). */
  releaseFor(version: string): string;
  /** Every KV dtype any release takes (the CLI's choices for this engine). */
  kvDtypes: readonly KvDtype[];
  /** The port the server listens on when not told. */
  defaultPort: number;
  /** Validate: how its command line parses and which flags carry the settings (null: no server command line, e.g. Ollama). */
  commandLine: { syntax: CliSyntax; settings: SettingFlags } | null;
  /** Validate: the server program in an argv (`vllm serve`, `python -m sglang.launch_server`), or null. */
  recognise(words: readonly string[], at: number): ServerCommand | null;
  /** Validate: what one of this engine's images runs, or null when the image is not the engine's. */
  image(reference: string): ImageRun | null;
  /** The release's argument set (command-line flags), or null for engines without one. */
  flagSet(version: string): FlagSet | null;
  /** Ollama's Modelfile and environment spec, or null. */
  ollamaSpec(version: string): OllamaSpec | null;
}
