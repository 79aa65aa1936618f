/**
 * vLLM: everything gpuplan knows about it, per release (releases.ts), in one descriptor:
 * memory accounting (memory.ts), the launch it renders (launch.ts), how validate
 * recognises and reads its command lines and images, and its KV cache dtypes.
 */
import { PLAN_FILES } from '../common.js';
import { releaseLookup, splitImage } from '../descriptor.js';
import { loadFlagSet } from '../flags.js';
import { PYTHON_PROGRAM, PYTHON_SYNTAX, safetensorsEngine } from '../safetensors-engine.js';
import type { EngineDescriptor } from '../types.js';
import { VLLM_KV_DTYPES } from './kv-dtypes.js';
import { vllmLaunch } from './launch.js';
import { fitVllm, float16Refusal } from './memory.js';
import { VLLM_RELEASES, type VllmRelease } from './releases.js';
import { VLLM_PERF } from './perf.js';

const IMAGES = [/(^|\/)vllm\/vllm-openai(-rocm|-cpu)?$/, /(^|\/)rocm\/vllm$/];
/**
 * Images built FROM vllm/vllm-openai keep its entrypoint (lmcache/vllm-openai, vastai/vllm, a
 * team's own `registry/x/vllm-openai`): the same server, at a release their tag does not name.
 */
const DERIVED_IMAGES = [/(^|\/)vllm-openai(-[\w]+)?$/, /\/vllm$/];

function releaseOfTag(tag: string | null): VllmRelease | null {
  const version = tag?.match(/^v?(\d+\.\d+\.\d+)/)?.[1];
  return VLLM_RELEASES.find((r) => r.version === version) ?? null;
}

const lookup = releaseLookup(VLLM_RELEASES, (release) =>
  safetensorsEngine({
    id: 'vllm',
    name: 'vLLM',
    release,
    kvDtypes: () => (loadFlagSet(release.flagSet).flags['--kv-cache-dtype']?.choices ?? ['auto']) as (typeof VLLM_KV_DTYPES)[number][],
    minComputeCapability: { cc: '7.0', why: "vLLM's CUDA kernels" },
    onlineQuantizations: ['fp16', 'fp8', 'bnb-nf4'],
    // The fit itself checks that the reserve left outside still holds the CUDA context (and graphs where they are captured there).
    memoryFractionCeiling: {
      fraction: 0.95,
      source:
        'vLLM recipes: "vLLM conservatively use 90% of GPU memory, you can set --gpu-memory-utilization=0.95 to maximize KVCache" (vllm-project/recipes GLM/GLM.md, 8959cf64189c71d36e11c6a30335f923f261b1f7)',
    },
    // vllm/config/model.py _resolve_auto_dtype (0.11.0 b8b302c and later): the checkpoint's dtype if the platform
    // supports it, else the platform's first (platforms/cuda.py supported_dtypes: float16 below compute capability 8.0).
    autoDtypeFallback: 'vLLM loads a BF16 checkpoint as FP16 where the GPU has no BF16 (vllm/config/model.py _resolve_auto_dtype)',
    fit: fitVllm,
    perf: VLLM_PERF,
    // One API server in front of --data-parallel-size engine cores (docs: "Data Parallel Deployment"); a MoE
    // model's experts span every rank, expert-parallel with --enable-expert-parallel.
    scaleSettings: ({ dp, copies, expertParallel }) => ({
      ...(dp * copies > 1 ? { 'data-parallel-size': dp * copies } : {}),
      ...(expertParallel ? { 'enable-expert-parallel': true } : {}),
    }),
    // Copies of a one-node server on every node: lws.yaml's replicas (groups of one pod each) behind its Service.
    nodeReplicas: true,
    refusal: float16Refusal,
    // Multi-node: a Ray cluster (head + workers) in compose, and vLLM's documented LeaderWorkerSet for Kubernetes.
    deployFiles: (nodes) => (nodes > 1 ? ['docker-compose.yml', 'lws.yaml', 'serve.sh'] : ['docker-compose.yml', 'serve.sh']).concat(PLAN_FILES),
    launch: vllmLaunch,
  }),
);

export const vllmDescriptor: EngineDescriptor = {
  id: 'vllm',
  name: 'vLLM',
  ...lookup,
  kvDtypes: VLLM_KV_DTYPES,
  defaultPort: 8000,
  commandLine: {
    syntax: { ...PYTHON_SYNTAX, humanReadableInts: true, attachedOptimizationLevel: true, dottedJsonKeys: true },
    settings: {
      tp: '--tensor-parallel-size',
      pp: '--pipeline-parallel-size',
      dp: '--data-parallel-size',
      dpLocal: '--data-parallel-size-local',
      dpInsideTp: null,
      nodes: '--nnodes',
      context: '--max-model-len',
      slots: null,
      memoryFraction: '--gpu-memory-utilization',
      quantization: '--quantization',
      dtype: '--dtype',
      model: ['--model'],
      kvDtype: '--kv-cache-dtype',
      port: '--port',
      host: '--host',
      gpuLayers: null,
      executorBackend: '--distributed-executor-backend',
      maxSequences: '--max-num-seqs',
      batchedTokens: '--max-num-batched-tokens',
      ubatch: null,
    },
  },
  recognise(words, at) {
    const word = words[at] ?? '';
    if ((word === 'vllm' || word.endsWith('/vllm')) && words[at + 1] === 'serve') return { start: at + 2, positionalModel: true };
    if (PYTHON_PROGRAM.test(word) && words[at + 1] === '-m' && words[at + 2] === 'vllm.entrypoints.openai.api_server') return { start: at + 3, positionalModel: false };
    return null;
  },
  image(reference) {
    const { name, tag } = splitImage(reference);
    const official = IMAGES.some((pattern) => pattern.test(name));
    if (!official && !DERIVED_IMAGES.some((pattern) => pattern.test(name))) return null;
    const release = official ? releaseOfTag(tag) : null;
    // An unknown tag (latest, nightly, a digest) runs what the newest release runs.
    const runs = (release ?? (VLLM_RELEASES[0] as VllmRelease)).imageEntrypoint;
    // vllm/vllm-openai-cpu (and a derived `…-cpu`) is the CPU build: it serves without GPUs.
    return { server: { positionalModel: runs === 'vllm serve' }, ollamaDaemon: false, version: release?.version ?? null, cpuOnly: /-cpu$/.test(name) };
  },
  flagSet: (version) => loadFlagSet(lookup.at(version).release.flagSet),
  ollamaSpec: () => null,
};
