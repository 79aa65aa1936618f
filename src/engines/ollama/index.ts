/**
 * Ollama: everything gpuplan knows about it, per release (releases.ts): the GGUF
 * accounting it shares with llama.cpp (memory.ts, ../gguf-engine.ts), the Modelfile and
 * compose it renders (launch.ts), its images, and its Modelfile/environment spec.
 */
import { releaseLookup, splitImage } from '../descriptor.js';
import { loadOllamaSpec } from '../flags.js';
import { ggufEngine } from '../gguf-engine.js';
import type { EngineDescriptor } from '../types.js';
import { OLLAMA_KV_DTYPES } from './kv-dtypes.js';
import { OLLAMA_PORT, ollamaLaunch } from './launch.js';
import { fitOllama } from './memory.js';
import { OLLAMA_RELEASES } from './releases.js';
import { OLLAMA_PERF } from './perf.js';

const lookup = releaseLookup(OLLAMA_RELEASES, (release) =>
  ggufEngine({
    id: 'ollama',
    name: 'Ollama',
    release,
    kvDtypes: () => ['auto', ...(loadOllamaSpec(release.flagSet).environment.OLLAMA_KV_CACHE_TYPE ?? 'f16').split('|')] as (typeof OLLAMA_KV_DTYPES)[number][],
    sources: { hf: true, ollama: true, splitFiles: false },
    files: ['Modelfile', 'docker-compose.yml'],
    fit: fitOllama,
    perf: OLLAMA_PERF,
    // one Ollama daemon serves OLLAMA_NUM_PARALLEL requests; gpuplan does not render several (each would need its own model creation)
    replicas: false,
    launch: ollamaLaunch,
  }),
);

export const ollamaDescriptor: EngineDescriptor = {
  id: 'ollama',
  name: 'Ollama',
  ...lookup,
  kvDtypes: OLLAMA_KV_DTYPES,
  defaultPort: OLLAMA_PORT,
  // Ollama's settings are Modelfile PARAMETERs and OLLAMA_* environment, not server flags.
  commandLine: null,
  recognise: () => null,
  image(reference) {
    const { name, tag } = splitImage(reference);
    if (!/(^|\/)ollama\/ollama$/.test(name)) return null;
    const version = tag?.replace(/-rocm$/, '') ?? null;
    // The image's ENTRYPOINT /bin/ollama, CMD serve (Dockerfile).
    return { server: null, ollamaDaemon: true, version: version && lookup.versions.includes(version) ? version : null };
  },
  flagSet: () => null,
  ollamaSpec: (version) => loadOllamaSpec(lookup.at(version).release.flagSet),
};
