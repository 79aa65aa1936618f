/**
 * SGLang's memory accounting for each release in releases.ts
 * (python/sglang/srt/model_executor/model_runner.py,
 * profile_max_num_token): after the weights load, what is left beyond the
 * (1 − mem_fraction_static) reserve becomes the KV pool,
 *
 *   rest   = available_after_weights − total × (1 − mem_fraction_static)
 *   tokens = rest // cell_size,   cell_size = KV bytes per token on this rank
 *
 * where `total` is the free memory after the distributed init (before the weights load),
 * and activations, CUDA graphs and the CUDA context live in the reserve.
 */
import type { Gpu } from '../../catalog/schema.js';
import { inferenceActivationPeak } from '../../memory/activations.js';
import { kvBytesForSequence, kvLayout } from '../../memory/kvcache.js';
import { sglangStateDtypes, stateLayout } from '../../memory/state.js';
import { CUDA_CONTEXT_BYTES, cudaTotalBytes } from '../../memory/overhead.js';
import { GiB, MiB, thousands } from '../../memory/units.js';
import { weightsPerGpu } from '../../memory/weights.js';
import { allOnGpu, gib, loadPeakVerdict, onlineQuantizationSettings } from '../common.js';
import type { Deployment, EngineFit } from '../types.js';
import { FITS, reducedConcurrency, wontStart, type Verdict } from '../verdict.js';
import type { SglangRelease, SglangTier } from './releases.js';

/**
 * SGLang sizes its defaults from get_device_memory_capacity(): nvidia-smi's memory.total
 * in MiB, the smallest over the GPUs (the catalog's memoryBytes is that figure).
 */
function gpuMiB(gpu: Gpu): number {
  return gpu.memoryBytes / MiB;
}

function tierOf(release: SglangRelease, gpu: Gpu): SglangTier {
  const mib = gpuMiB(gpu);
  const tier = release.tiers.find((t) => t.belowGiB === null || mib < t.belowGiB * 1024);
  if (!tier) throw new Error(`SGLang ${release.version}: no memory tier for ${gpu.id}`);
  return tier;
}

/** Default chunked_prefill_size of the release for this GPU's memory tier. */
export function defaultChunkedPrefill(release: SglangRelease, gpu: Gpu): number {
  return tierOf(release, gpu).chunkedPrefillSize;
}

/** Default cuda_graph_max_bs of the release, by memory tier and TP ≥ 4. */
export function defaultCudaGraphMaxBs(release: SglangRelease, gpu: Gpu, tp: number): number {
  const bs = tierOf(release, gpu).cudaGraphMaxBs;
  return tp >= 4 ? bs.wide : bs.narrow;
}

/**
 * Default mem_fraction_static (without speculative decoding or DP attention): keep
 * round((memory − reserve) / memory, 3) with the release's reserve formula. 0.5.3 on an
 * 80 GB H100 at TP1: 512 + 1.5 × 8192 + 2 × 256 + 128 = 13,440 MiB → 0.835.
 */
export function defaultMemFractionStatic(release: SglangRelease, gpu: Gpu, tp: number, pp: number): number {
  const r = release.reserve;
  const mib = gpuMiB(gpu);
  let reserved =
    r.baseMiB + Math.max(defaultChunkedPrefill(release, gpu), r.minChunkTokens) * r.perChunkTokenMiB + defaultCudaGraphMaxBs(release, gpu, tp) * r.perGraphBatchMiB + tp * pp * r.perRankMiB;
  if (mib > r.largeGpuAboveGiB * 1024) reserved = Math.max(reserved, r.largeGpuMinMiB);
  return Math.round(((mib - reserved) / mib) * 1000) / 1000;
}

/**
 * 4-bit AWQ/GPTQ MoE checkpoints: SGLang's DeepSeek guide, "Serving with 8 x A100", recommends
 * `--quantization moe_wna16` to run the experts with its MoE WNA16 kernel
 * (sgl-project/sglang benchmark/deepseek_v3/README.md, 17d660222cc2abd8f96ddb204d739ac468322985:
 * `python3 -m sglang.launch_server --model cognitivecomputations/DeepSeek-R1-AWQ --tp 8 --trust-remote-code
 * --quantization moe_wna16`).
 */
export function moeWna16Setting(variant: Deployment['variant']): Record<string, string> {
  const packed = variant.origin === 'artifact' && (variant.quant.id === 'awq-int4' || variant.quant.id === 'gptq-int4');
  return packed && variant.arch.moe ? { quantization: 'moe_wna16' } : {};
}

/**
 * Mamba state to full-attention KV, for hybrids (server_args mamba_full_memory_ratio, default 0.9;
 * docs: "The ratio of mamba state memory to full kv cache memory. The default is 0.9.", sgl-project/sglang#15337).
 */
const MAMBA_FULL_MEMORY_RATIO = 0.9;

/**
 * State slots a running request may hold at the prefill-to-decode peak with the radix cache on (the
 * default): running requests are capped at max_mamba_cache_size // 3
 * (mem_cache/kv_cache_configurator.py MAMBA_CACHE_SIZE_MAX_RUNNING_REQUESTS_RATIO = 3, _calculate_mamba_ratio,
 * v0.5.18 71de97b; extra-buffer scheduling adds more).
 */
const MAMBA_SLOTS_PER_RUNNING_REQUEST = 3;

/**
 * Requests SGLang runs at once without --max-running-requests: min(max_total_num_tokens // 2,
 * req_to_token_pool.size) (managers/tp_worker.py), the request pool being
 * min(max(tokens / context_len × 512, 2048), 4096) (model_executor/model_runner.py init_memory_pool).
 */
function requestPoolSize(tokens: number, contextLength: number): number {
  return Math.min(Math.max(Math.floor((tokens / contextLength) * 512), 2048), 4096);
}

export function fitSglang(release: SglangRelease, d: Deployment): EngineFit {
  const { variant, gpu, tp, pp, context, concurrency } = d;
  const { arch } = variant;
  const o = d.overrides ?? {};
  const p = release.profile;
  const fraction = d.memoryFraction ?? defaultMemFractionStatic(release, gpu, tp, pp);
  const weights = weightsPerGpu(variant.layout, tp, pp, arch.moe ? tp * (d.dataParallel ?? 1) : tp);
  const kv = kvLayout(arch, d.kvDtype, tp, pp);
  // init_torch_distributed's free memory ("Load weight begin. avail mem"): what mem_fraction_static is a fraction of.
  const parallelInit = tp * pp > 1 ? (gpu.interconnect.kind === 'pcie' ? p.parallelInitBytes.pcie : p.parallelInitBytes.nvlink) : 0;
  const beforeWeights = cudaTotalBytes(gpu) - p.initBytes - parallelInit;
  const afterWeights = beforeWeights - weights;
  const reserve = beforeWeights * (1 - fraction);
  // profile_max_num_token: rest = available − total × (1 − mem_fraction_static); tokens = rest // cell_size.
  const rest = Math.max(0, afterWeights - reserve);
  // Hybrids (model_runner.py handle_max_mamba_cache, radix cache on by default): the rest is split so that
  // mamba state : full-attention KV = mamba_full_memory_ratio (0.9); each running request holds one state slot.
  const state = stateLayout(arch, sglangStateDtypes(arch), tp, pp);
  const stateSlots = state ? Math.floor((rest * MAMBA_FULL_MEMORY_RATIO) / (1 + MAMBA_FULL_MEMORY_RATIO) / state.perSequencePerGpu) : Infinity;
  const stateBytes = state ? stateSlots * state.perSequencePerGpu : 0;
  const pool = rest - stateBytes;
  // A stage of linear layers only caches no tokens.
  const kvCacheTokens = kv.perTokenPerGpu > 0 ? Math.floor(pool / kv.perTokenPerGpu) : 0;
  const chunk = o.batchedTokens ?? defaultChunkedPrefill(release, gpu);
  const activation = inferenceActivationPeak(arch, chunk, Math.min(concurrency, 256), tp);
  const graphs = o.eager ? 0 : p.cudaGraphBytes;
  const transient = activation.bytes + graphs;
  // Sliding-window layers keep only their window (SGLang's SWA memory pool for hybrid models).
  const perSequence = kvBytesForSequence(arch, kv, context);
  const need = perSequence * concurrency + (state ? state.perSequencePerGpu * concurrency : 0);
  const runningCap = state ? Math.floor(stateSlots / MAMBA_SLOTS_PER_RUNNING_REQUEST) : Infinity;
  const maxConcurrency = Math.min(perSequence > 0 ? pool / perSequence : Infinity, runningCap);
  // The scheduler caps a request at the pool (max_req_len = min(context_len − 1, max_total_num_tokens − 1)) and starts.
  const requestCap = Math.min(context, kvCacheTokens) - 1;

  const loadPeak = loadPeakVerdict(variant, tp, pp, cudaTotalBytes(gpu), CUDA_CONTEXT_BYTES);
  let verdict: Verdict = FITS;
  if (loadPeak) {
    verdict = loadPeak;
  } else if (pool <= 0) {
    verdict = wontStart(
      'no-memory-for-kv',
      `weights ${gib(weights)} leave no KV pool inside mem_fraction_static ${fraction} × ${gib(beforeWeights)}`,
      'RuntimeError: Not enough memory. Please try to increase --mem-fraction-static.',
    );
  } else if (reserve < transient + CUDA_CONTEXT_BYTES) {
    verdict = wontStart(
      'reserve-too-small',
      `the ${gib(reserve)} outside mem_fraction_static ${fraction} cannot hold activations, CUDA graphs and the CUDA context (${gib(transient + CUDA_CONTEXT_BYTES)}); lower --gpu-mem-util`,
    );
  } else if (kv.perTokenPerGpu > 0 && kvCacheTokens < context) {
    verdict = reducedConcurrency(`KV pool ${thousands(kvCacheTokens)} tokens < one ${thousands(context)}-token request: SGLang starts, but caps each request at ${thousands(requestCap)} tokens`);
  } else if (maxConcurrency < concurrency) {
    verdict = reducedConcurrency(
      runningCap < pool / perSequence
        ? `${stateSlots} mamba state slots (mamba_full_memory_ratio ${MAMBA_FULL_MEMORY_RATIO}) let ${runningCap} requests run at once (${MAMBA_SLOTS_PER_RUNNING_REQUEST} slots each), not ${concurrency}`
        : `KV pool ${thousands(kvCacheTokens)} tokens holds ${Math.floor(maxConcurrency)} × ${context} tokens, not ${concurrency}`,
    );
  }
  // What more memory per GPU would hold every request: the KV beyond the pool (afterWeights − reserve, possibly
  // negative), or what the reserve lacks.
  const missingSlots = Math.max(0, concurrency * MAMBA_SLOTS_PER_RUNNING_REQUEST - stateSlots);
  const stateShort = state ? (missingSlots * state.perSequencePerGpu * (1 + MAMBA_FULL_MEMORY_RATIO)) / MAMBA_FULL_MEMORY_RATIO : 0;
  const shortfallBytes = loadPeak ? null : verdict.status === 'fits' ? 0 : Math.max(0, need - (afterWeights - reserve), stateShort, transient + CUDA_CONTEXT_BYTES - reserve);
  // What is in use before the weights load (CUDA context, NCCL and all-reduce buffers), and the CUDA graphs.
  const startup = p.initBytes + parallelInit;
  const overhead = startup + graphs;
  return {
    verdict,
    shortfallBytes,
    availableKvBytes: rest,
    perGpu: {
      weights,
      kvCache: Math.min(need, rest),
      activations: activation.bytes,
      overhead,
      total: weights + Math.min(need, rest) + activation.bytes + overhead,
      // Static pool and reserve together: the whole GPU.
      capacity: gpu.memoryBytes,
    },
    kv,
    state,
    kvCacheTokens,
    maxConcurrency,
    // Decode batches up to cuda_graph_max_bs replay a graph; prefill (extend) batches never do.
    cudaGraphMaxTokens: o.eager ? 0 : (o.cudaGraphMaxBatch ?? defaultCudaGraphMaxBs(release, gpu, tp)),
    maxRunningRequests: Math.min(Math.floor(kvCacheTokens / 2), requestPoolSize(kvCacheTokens, context), runningCap),
    ...allOnGpu(variant),
    // --max-running-requests is left to SGLang: it sizes it from the pool it allocates.
    settings: {
      'tensor-parallel-size': tp,
      'pipeline-parallel-size': pp,
      'context-length': context,
      'mem-fraction-static': fraction,
      'chunked-prefill-size': chunk,
      'kv-cache-dtype': d.kvDtype,
      ...onlineQuantizationSettings(variant),
      ...moeWna16Setting(variant),
    },
    get logLines() {
      return pool > 0
        ? [
            `Load weight end. mem usage=${(weights / GiB).toFixed(2)} GB.`,
            ...(state
              ? [
                  `Mamba Cache is allocated. max_mamba_cache_size: ${stateSlots}, conv_state size: ${((stateSlots * state.layersPerGpu * state.convPerLayerPerGpu) / GiB).toFixed(2)} GB, ssm_state size: ${((stateSlots * state.layersPerGpu * state.recurrentPerLayerPerGpu) / GiB).toFixed(2)} GB`,
                ]
              : []),
            // model_runner.py init_memory_pool: MLA pools print one size, the others K and V.
            arch.attention.kind === 'mla'
              ? `KV Cache is allocated. #tokens: ${kvCacheTokens}, KV size: ${(pool / GiB).toFixed(2)} GB`
              : `KV Cache is allocated. #tokens: ${kvCacheTokens}, K size: ${(pool / 2 / GiB).toFixed(2)} GB, V size: ${(pool / 2 / GiB).toFixed(2)} GB`,
            `max_total_num_tokens=${kvCacheTokens}`,
          ]
        : ['RuntimeError: Not enough memory. Please try to increase --mem-fraction-static.'];
    },
    get terms() {
      return [
        { name: 'weights', bytes: weights, formula: `${variant.layout.formula}, per GPU at TP${tp} × PP${pp}` },
        {
          name: 'kv cache',
          bytes: Math.min(need, rest),
          formula:
            `${thousands(kv.perTokenPerGpu)} B/token/GPU × ${context} × ${concurrency} (pool: ${thousands(kvCacheTokens)} tokens)` +
            (state ? ` + ${thousands(state.perSequencePerGpu)} B of linear-layer state per slot (${stateSlots} slots, ${MAMBA_SLOTS_PER_RUNNING_REQUEST} per running request)` : ''),
        },
        { name: 'activations', bytes: activation.bytes, formula: `chunked prefill of ${chunk} tokens, in the reserve: ${activation.formula}` },
        {
          name: 'overhead',
          bytes: overhead,
          formula: `in use before the weights load (CUDA context${parallelInit ? ', NCCL and all-reduce buffers' : ''}) ${gib(startup)} + CUDA graphs ${gib(graphs)}`,
        },
      ];
    },
    get notes() {
      return [
        `mem_fraction_static ${fraction} of the ${gib(beforeWeights)} free before the weights load: weights and the KV pool get ${gib(beforeWeights * fraction)}; activations and CUDA graphs use the rest.`,
      ];
    },
  };
}
