/**
 * Helm values of vLLM's production-stack chart (`servingEngineSpec.modelSpec[]`), read as the
 * launches its template renders (helm/templates/deployment-vllm-multi.yaml, production-stack
 * a6c01db): `vllm serve MODEL_URL --host 0.0.0.0 --port 8000`, then the options `vllmConfig` and
 * the model spec turn on, then `vllmConfig.extraArgs`; image `repository:tag`; `requestGPU` GPUs
 * per pod; `/dev/shm` mounted when `vllmConfig.tensorParallelSize` is set; with `raySpec.enabled`
 * a Ray head (`raySpec.headNode.requestGPU`) and `replicaCount` workers.
 */
import { engineOfImage, launchOfArgs, type LaunchContext, type ServerLaunch, type Token } from './launch.js';
import { nodeAt, type YamlSource } from './yaml-source.js';

type Obj = Record<string, unknown>;

/** vllmConfig keys the template turns into an option with the value (in its order). */
const VALUE_OPTIONS: readonly [string, string][] = [
  ['maxModelLen', '--max-model-len'],
  ['dtype', '--dtype'],
  ['tensorParallelSize', '--tensor-parallel-size'],
  ['maxNumSeqs', '--max-num-seqs'],
  ['gpuMemoryUtilization', '--gpu_memory_utilization'],
  ['maxLoras', '--max_loras'],
  ['runner', '--runner'],
  ['convert', '--convert'],
  // The Ray template (helm/templates/ray-cluster.yaml) passes pipeline stages too.
  ['pipelineParallelSize', '--pipeline-parallel-size'],
];

export function isProductionStackValues(doc: Obj): boolean {
  const spec = doc.servingEngineSpec as Obj | undefined;
  return spec !== null && typeof spec === 'object' && Array.isArray(spec.modelSpec);
}

export function productionStackLaunches(doc: Obj, source: YamlSource): ServerLaunch[] {
  const root = source.docs[0]?.contents ?? null;
  const models = ((doc.servingEngineSpec as Obj).modelSpec as unknown[]).filter((m): m is Obj => m !== null && typeof m === 'object');
  return models.map((model, i) => {
    const at = (...path: (string | number)[]) => source.line(nodeAt(root, ['servingEngineSpec', 'modelSpec', i, ...path]));
    const line = at();
    const word = (text: string, where: number): Token => ({ text, line: where });
    const config = (model.vllmConfig ?? null) as Obj | null;
    const args: Token[] = [word('--host', line), word('0.0.0.0', line), word('--port', line), word('8000', line)];
    if (model.enableLoRA) args.push(word('--enable-lora', at('enableLoRA')));
    if (model.enableTool) args.push(word('--enable-auto-tool-choice', at('enableTool')));
    if (model.toolCallParser) args.push(word('--tool-call-parser', at('toolCallParser')), word(String(model.toolCallParser), at('toolCallParser')));
    if (config) {
      if ('enableChunkedPrefill' in config) args.push(word(config.enableChunkedPrefill ? '--enable-chunked-prefill' : '--no-enable-chunked-prefill', at('vllmConfig', 'enableChunkedPrefill')));
      args.push(word(config.enablePrefixCaching ? '--enable-prefix-caching' : '--no-enable-prefix-caching', at('vllmConfig')));
      for (const [key, option] of VALUE_OPTIONS) {
        if (key in config) args.push(word(option, at('vllmConfig', key)), word(String(config[key]), at('vllmConfig', key)));
      }
      if (Array.isArray(config.extraArgs)) args.push(...config.extraArgs.map((extra, j) => word(String(extra), at('vllmConfig', 'extraArgs', j))));
    }
    if (model.modelRevision) args.push(word('--revision', at('modelRevision')), word(String(model.modelRevision), at('modelRevision')));
    const image = `${String(model.repository ?? 'vllm/vllm-openai')}:${String(model.tag ?? 'latest')}`;
    // A fraction (`requestGPU: 0.5`, two pods sharing one GPU) renders no GPU request; the pods get the GPU from
    // the node's runtime, as they do with a runtime class or CUDA_VISIBLE_DEVICES set instead of a request.
    const requested = Number(model.requestGPU ?? 0) || 0;
    const runtime = String(model.runtimeClassName ?? (doc.servingEngineSpec as Obj).runtimeClassName ?? '');
    const env = Array.isArray(model.env) ? (model.env as Obj[]).map((e) => String(e?.name ?? '')) : [];
    const viaRuntime = requested > 0 || runtime !== '' || ((model.lmcacheConfig ?? {}) as Obj).cudaVisibleDevices !== undefined || env.some((n) => /^(CUDA|NVIDIA)_VISIBLE_DEVICES$/.test(n));
    const gpus = requested >= 1 ? Math.floor(requested) : 0;
    const ray = (model.raySpec ?? null) as Obj | null;
    const rayEnabled = ray?.enabled === true;
    const headGpus = Number(((ray?.headNode ?? {}) as Obj).requestGPU ?? 0) || 0;
    const context: LaunchContext = {
      container: true,
      gpus: gpus > 0 ? gpus : viaRuntime ? 'all' : null,
      nodes: 1,
      sharedMemory: rayEnabled || (config !== null && 'tensorParallelSize' in config),
      // The chart creates the Service.
      portPublished: null,
      planned: null,
      where: `modelSpec ${String(model.name ?? i)}`,
      rayClusterGpus: rayEnabled ? headGpus + (Number(model.replicaCount ?? 1) || 1) * gpus : null,
    };
    const modelUrl = word(String(model.modelURL ?? ''), at('modelURL'));
    return launchOfArgs('vllm', [modelUrl, ...args], true, line, context, engineOfImage(image)?.run.version ?? null);
  });
}
