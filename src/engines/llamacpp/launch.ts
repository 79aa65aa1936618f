/** llama.cpp's server launch: `llama-server` with the GGUF from Hugging Face (`-hf repo:QUANT`) or disk. */
import { curlHealthcheck, LISTEN_ARGS, localMount, modelPath, refusePinnedRevision, SERVE_PORT, settingFlags, type Launch, type LaunchInput } from '../launch.js';

/** llama.cpp's download cache inside the container (LLAMA_CACHE, common/arg.cpp fs_get_cache_directory). */
const LLAMACPP_CACHE = '/root/.cache/llama.cpp';
export const LLAMACPP_HEALTH_PATH = '/health';

export function llamacppLaunch(input: LaunchInput): Launch {
  const { source } = input;
  refusePinnedRevision(source, 'llama.cpp');
  const model = (inContainer: boolean): string[] => {
    if (source.kind === 'local') return ['--model', modelPath(source, inContainer, 'llama.cpp')];
    if (source.kind === 'hf' && source.quantTag !== null) return ['-hf', `${source.repo}:${source.quantTag}`];
    throw new Error(`llama.cpp serves GGUF files from Hugging Face or disk; the plan names ${input.artifactSource}`);
  };
  const args = (inContainer: boolean) => [...model(inContainer), '--alias', input.servedName, ...settingFlags(input.settings), ...LISTEN_ARGS];
  return {
    service: 'llama-server',
    // The server image's entrypoint (.devops/cuda.Dockerfile, server target).
    entrypoint: ['/app/llama-server'],
    containerArgs: args(true),
    nodeArgs: [],
    scriptCommand: ['llama-server', ...args(false)],
    port: SERVE_PORT,
    healthPath: LLAMACPP_HEALTH_PATH,
    // The server image has curl, not Python.
    healthcheck: curlHealthcheck(SERVE_PORT, LLAMACPP_HEALTH_PATH),
    env: [],
    containerEnv: [{ name: 'LLAMA_CACHE', value: LLAMACPP_CACHE }],
    cacheDir: LLAMACPP_CACHE,
    localModel: localMount(source),
    servedName: input.servedName,
    rayCluster: false,
    modelfile: null,
  };
}
