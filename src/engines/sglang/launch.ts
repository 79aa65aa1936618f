/** SGLang's server launch: `python3 -m sglang.launch_server --model-path <model>` (python/sglang/launch_server.py). */
import { localMount, pythonHealthcheck, safetensorsServerArgs, SERVE_PORT, type Launch, type LaunchInput } from '../launch.js';

export const SGLANG_HEALTH_PATH = '/health';
/** The rendezvous port of node 0 for a multi-node launch (--dist-init-addr HOST:PORT). */
const DIST_INIT_PORT = 50000;

export function sglangLaunch(input: LaunchInput): Launch {
  const args = (inContainer: boolean) => safetensorsServerArgs(input, 'SGLang', '--model-path', inContainer);
  const entrypoint = ['python3', '-m', 'sglang.launch_server'];
  return {
    service: 'sglang',
    entrypoint,
    containerArgs: args(true),
    // Every node runs the same launch with its rank; <NAME> is a Compose variable set per node.
    nodeArgs: input.nodes > 1 ? ['--dist-init-addr', `<HEAD_IP>:${DIST_INIT_PORT}`, '--nnodes', String(input.nodes), '--node-rank', '<NODE_RANK>'] : [],
    scriptCommand: [...entrypoint, ...args(false)],
    port: SERVE_PORT,
    healthPath: SGLANG_HEALTH_PATH,
    healthcheck: pythonHealthcheck(SERVE_PORT, SGLANG_HEALTH_PATH),
    env: [],
    containerEnv: [],
    cacheDir: '/root/.cache/huggingface',
    localModel: localMount(input.source),
    servedName: input.servedName,
    rayCluster: false,
    modelfile: null,
  };
}
