/** vLLM's server launch: `vllm serve <model>` (vllm/entrypoints/cli/serve.py), the Hugging Face cache in the container. */
import { localMount, pythonHealthcheck, safetensorsServerArgs, SERVE_PORT, type Launch, type LaunchInput } from '../launch.js';

export const VLLM_HEALTH_PATH = '/health';

export function vllmLaunch(input: LaunchInput): Launch {
  const args = (inContainer: boolean) => safetensorsServerArgs(input, 'vLLM', null, inContainer);
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
