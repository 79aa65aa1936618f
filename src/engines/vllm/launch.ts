/** vLLM's server launch: `vllm serve <model>` (vllm/entrypoints/cli/serve.py), the Hugging Face cache in the container. */
import { LISTEN_ARGS, localMount, modelPath, pythonHealthcheck, revisionArgs, SERVE_PORT, settingFlags, type Launch, type LaunchInput } from '../launch.js';

export const VLLM_HEALTH_PATH = '/health';

export function vllmLaunch(input: LaunchInput): Launch {
  const args = (inContainer: boolean) => [
    modelPath(input.source, inContainer, 'vLLM'),
    ...revisionArgs(input.source),
    '--served-model-name',
    input.servedName,
    ...settingFlags(input.settings),
    ...LISTEN_ARGS,
  ];
  const entrypoint = ['vllm', 'serve'];
  return {
    service: 'vllm',
    entrypoint,
    containerArgs: args(true),
    nodeArgs: [],
    scriptCommand: [...entrypoint, ...args(false)],
    port: SERVE_PORT,
    healthPath: VLLM_HEALTH_PATH,
    healthcheck: pythonHealthcheck(SERVE_PORT, VLLM_HEALTH_PATH),
    env: [],
    containerEnv: [],
    cacheDir: '/root/.cache/huggingface',
    localModel: localMount(input.source),
    servedName: input.servedName,
    // Across nodes vLLM runs its workers on a Ray cluster (docs: "Multi-node deployment").
    rayCluster: input.nodes > 1,
    modelfile: null,
  };
}
