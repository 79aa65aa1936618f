/**
 * llama.cpp's llama-server: everything gpuplan knows about it, per build (releases.ts):
 * GGUF placement and KV (memory.ts, ../gguf-engine.ts), the launch it renders
 * (launch.ts), how validate recognises its command lines and images, and its cache types.
 */
import { releaseLookup, splitImage } from '../descriptor.js';
import { loadFlagSet } from '../flags.js';
import { ggufEngine } from '../gguf-engine.js';
import type { EngineDescriptor } from '../types.js';
import { LLAMACPP_KV_DTYPES } from './kv-dtypes.js';
import { llamacppLaunch } from './launch.js';
import { fitLlamacpp } from './memory.js';
import { LLAMACPP_RELEASES } from './releases.js';
import { LLAMACPP_PERF } from './perf.js';

const IMAGES = [/(^|\/)ggml-org\/llama\.cpp$/, /(^|\/)ggerganov\/llama\.cpp$/];

const lookup = releaseLookup(LLAMACPP_RELEASES, (release) =>
  ggufEngine({
    id: 'llamacpp',
    name: 'llama.cpp',
    release,
    kvDtypes: () => ['auto', ...(loadFlagSet(release.flagSet).flags['--cache-type-k']?.choices ?? [])] as (typeof LLAMACPP_KV_DTYPES)[number][],
    sources: { hf: true, ollama: false, splitFiles: true },
    files: ['llama-server.sh', 'docker-compose.yml'],
    fit: fitLlamacpp,
    perf: LLAMACPP_PERF,
    // llama-server replicas behind the compose file's load balancer
    replicas: true,
    launch: llamacppLaunch,
  }),
);

export const llamacppDescriptor: EngineDescriptor = {
  id: 'llamacpp',
  name: 'llama.cpp',
  ...lookup,
  kvDtypes: LLAMACPP_KV_DTYPES,
  defaultPort: 8080,
  commandLine: {
    // common/arg.cpp: no `=` form, no prefixes, no underscore spellings.
    syntax: { underscores: false, prefixes: false, equalsValue: false, humanReadableInts: false, attachedOptimizationLevel: false, dottedJsonKeys: false },
    settings: {
      tp: null,
      pp: null,
      dp: null,
      dpLocal: null,
      dpInsideTp: null,
      nodes: null,
      context: '--ctx-size',
      slots: '--parallel',
      memoryFraction: null,
      quantization: null,
      dtype: null,
      model: ['--hf-repo'],
      kvDtype: '--cache-type-k',
      port: '--port',
      host: '--host',
      gpuLayers: '--gpu-layers',
      executorBackend: null,
      maxSequences: '--parallel',
      batchedTokens: '--batch-size',
      ubatch: '--ubatch-size',
    },
  },
  recognise(words, at) {
    const word = words[at] ?? '';
    return word === 'llama-server' || word.endsWith('/llama-server') ? { start: at + 1, positionalModel: false } : null;
  },
  image(reference) {
    const { name, tag } = splitImage(reference);
    if (!IMAGES.some((pattern) => pattern.test(name))) return null;
    // Only the server-* tags run llama-server (.devops/*.Dockerfile server targets); full-* and light-* run other tools.
    const server = tag === null || tag.startsWith('server');
    const build = tag?.match(/-(b\d+)$/)?.[1] ?? null;
    // `server` and `server-b…` are the CPU build (.devops/cpu.Dockerfile); GPUs need server-cuda, server-rocm, server-vulkan….
    const cpuOnly = server && (tag === null || /^server(-b\d+)?$/.test(tag));
    return { server: server ? { positionalModel: false } : null, ollamaDaemon: false, version: build && lookup.versions.includes(build) ? build : null, cpuOnly };
  },
  flagSet: (version) => loadFlagSet(lookup.at(version).release.flagSet),
  ollamaSpec: () => null,
};
