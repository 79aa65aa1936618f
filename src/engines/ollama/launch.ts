/**
 * Ollama's launch: `ollama serve` with its OLLAMA_* environment, and a Modelfile that
 * names the weights (a library tag, a Hugging Face GGUF, or a file mounted into the
 * ollama-create container) with the plan's PARAMETERs.
 */
import { localMount, refusePinnedRevision, type Launch, type LaunchInput } from '../launch.js';

/** Ollama's own port (envconfig OLLAMA_HOST default 127.0.0.1:11434). */
export const OLLAMA_PORT = 11434;
/** GET /api/version answers once the server is up (server/routes.go). */
const HEALTH_PATH = '/api/version';

/**
 * Ollama's batch size (DefaultOptions NumBatch in api/types.go), written out because
 * gpuplan sizes the compute buffer for this 512-token batch.
 */
export const OLLAMA_NUM_BATCH = 512;

export function ollamaLaunch(input: LaunchInput): Launch {
  const { source } = input;
  refusePinnedRevision(source, 'Ollama');
  // A local GGUF is named by its path inside the ollama-create container, which mounts it.
  const from = source.kind === 'library' ? source.tag : source.kind === 'hf' && source.quantTag ? `hf.co/${source.repo}:${source.quantTag}` : source.kind === 'local' ? source.containerPath : null;
  if (from === null) throw new Error(`Ollama needs an Ollama library tag or a Hugging Face GGUF; the plan names ${input.artifactSource}`);
  const settings = Object.entries(input.settings).map(([name, value]) => ({ name, value: String(value) }));
  const env = settings.filter((s) => s.name.startsWith('OLLAMA_'));
  const parameters = [...settings.filter((s) => !s.name.startsWith('OLLAMA_')), { name: 'num_batch', value: String(OLLAMA_NUM_BATCH) }];
  return {
    service: 'ollama',
    entrypoint: ['/bin/ollama'],
    containerArgs: ['serve'],
    nodeArgs: [],
    scriptCommand: ['ollama', 'serve'],
    port: OLLAMA_PORT,
    healthPath: HEALTH_PATH,
    healthcheck: ['CMD', '/bin/ollama', 'list'],
    env,
    // The server listens on all interfaces inside its container (the image sets the same).
    containerEnv: [{ name: 'OLLAMA_HOST', value: `0.0.0.0:${OLLAMA_PORT}` }],
    cacheDir: '/root/.ollama',
    localModel: localMount(source),
    servedName: input.servedName,
    rayCluster: false,
    modelfile: { from, parameters },
  };
}
