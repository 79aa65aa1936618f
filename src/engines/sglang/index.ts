/**
 * SGLang: everything gpuplan knows about it, per release (releases.ts), in one
 * descriptor: memory accounting (memory.ts), the launch it renders (launch.ts), how
 * validate recognises and reads its command lines and images, and its KV cache dtypes.
 */
import { PLAN_FILES } from '../common.js';
import { releaseLookup, splitImage } from '../descriptor.js';
import { loadFlagSet } from '../flags.js';
import { PYTHON_PROGRAM, PYTHON_SYNTAX, safetensorsEngine } from '../safetensors-engine.js';
import type { EngineDescriptor } from '../types.js';
import { SGLANG_KV_DTYPES } from './kv-dtypes.js';
import { sglangLaunch } from './launch.js';
import { fitSglang } from './memory.js';
import { SGLANG_RELEASES } from './releases.js';
import { SGLANG_PERF } from './perf.js';

const lookup = releaseLookup(SGLANG_RELEASES, (release) =>
  safetensorsEngine({
    id: 'sglang',
    name: 'SGLang',
    release,
    kvDtypes: () => (loadFlagSet(release.flagSet).flags['--kv-cache-dtype']?.choices ?? ['auto']) as (typeof SGLANG_KV_DTYPES)[number][],
    // sgl-kernel and FlashInfer are built for sm75 and newer.
    minComputeCapability: { cc: '7.5', why: 'sgl-kernel and FlashInfer are built for sm75 and newer' },
    onlineQuantizations: ['fp16', 'fp8'],
    // SGLang keeps activations and CUDA graphs outside mem_fraction_static; fitSglang checks they still fit
    // there, so the ceiling only bounds how far gpuplan pushes it (the same 0.95 as vLLM's recipes).
    memoryFractionCeiling: {
      fraction: 0.95,
      source:
        'the reserve check of fitSglang (activations + CUDA graphs + CUDA context outside mem_fraction_static), capped at the 0.95 vLLM recipes use (vllm-project/recipes GLM/GLM.md, 8959cf64189c71d36e11c6a30335f923f261b1f7)',
    },
    fit: fitSglang,
    perf: SGLANG_PERF,
    // Dense copies: --data-parallel-size servers of --tensor-parallel-size GPUs behind SGLang's own controller.
    // MoE ranks: DP attention inside one TP group of dp × tp GPUs (--enable-dp-attention), experts over all of them.
    scaleSettings: ({ tp, dp, copies, expertParallel }) => ({
      ...(dp > 1 ? { 'tensor-parallel-size': dp * tp, 'data-parallel-size': dp, 'enable-dp-attention': true } : {}),
      // Dense copies and MoE ranks never come together (search.ts plans one or the other).
      ...(copies > 1 && dp === 1 ? { 'data-parallel-size': copies } : {}),
      ...(expertParallel ? { 'expert-parallel-size': dp * tp } : {}),
    }),
    // gpuplan writes no Kubernetes manifest for SGLang, so no endpoint over copies on several nodes.
    nodeReplicas: false,
    deployFiles: () => ['docker-compose.yml', ...PLAN_FILES],
    launch: sglangLaunch,
  }),
);

export const sglangDescriptor: EngineDescriptor = {
  id: 'sglang',
  name: 'SGLang',
  ...lookup,
  kvDtypes: SGLANG_KV_DTYPES,
  defaultPort: 30000,
  commandLine: {
    syntax: PYTHON_SYNTAX,
    settings: {
      tp: '--tensor-parallel-size',
      pp: '--pipeline-parallel-size',
      dp: '--dp-size',
      dpLocal: null,
      // sglang/srt/server_args.py: with dp attention the world size is tp_size and dp_size must divide it.
      dpInsideTp: '--enable-dp-attention',
      nodes: '--nnodes',
      context: '--context-length',
      slots: null,
      memoryFraction: '--mem-fraction-static',
      quantization: '--quantization',
      dtype: '--dtype',
      // --model is argparse's prefix of --model-path, which users write too.
      model: ['--model-path', '--model'],
      kvDtype: '--kv-cache-dtype',
      port: '--port',
      host: '--host',
      gpuLayers: null,
      executorBackend: null,
      maxSequences: '--max-running-requests',
      batchedTokens: '--chunked-prefill-size',
      ubatch: null,
    },
  },
  recognise(words, at) {
    const word = words[at] ?? '';
    return PYTHON_PROGRAM.test(word) && words[at + 1] === '-m' && words[at + 2] === 'sglang.launch_server' ? { start: at + 3, positionalModel: false } : null;
  },
  image(reference) {
    const { name, tag } = splitImage(reference);
    if (!/(^|\/)lmsysorg\/sglang$/.test(name)) return null;
    const version = tag?.match(/^v(\d+\.\d+\.\d+)/)?.[1] ?? null;
    // The image's default command is a shell, not the server: a container must name the launch itself.
    return { server: null, ollamaDaemon: false, version: version && lookup.versions.includes(version) ? version : null };
  },
  flagSet: (version) => loadFlagSet(lookup.at(version).release.flagSet),
  ollamaSpec: () => null,
};
