/** Server launches in Kubernetes manifests: Deployments, StatefulSets, Jobs, Pods and LeaderWorkerSets. */
import { isMap, isSeq, type Node } from 'yaml';
import type { OllamaService } from './compose.js';
import { containerRun } from './container.js';
import type { Findings } from './finding.js';
import { engineOfImage, launchOfArgs, type LaunchContext, type ServerEngine, type ServerLaunch, type Token } from './launch.js';
import { commandTokens, scriptLaunches } from './script.js';
import { nodeAt, tokensOf, type YamlSource } from './yaml-source.js';

type Obj = Record<string, unknown>;

/** Pod templates of a workload, with the path to each and how many machines a group spans. */
function podSpecs(doc: Obj): { path: (string | number)[]; nodes: number }[] {
  const spec = (doc.spec ?? {}) as Obj;
  switch (doc.kind) {
    case 'Pod':
      return [{ path: ['spec'], nodes: 1 }];
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
      return [{ path: ['spec', 'template', 'spec'], nodes: 1 }];
    case 'LeaderWorkerSet': {
      const template = (spec.leaderWorkerTemplate ?? {}) as Obj;
      const size = Number(template.size ?? 1) || 1;
      const specs = [{ path: ['spec', 'leaderWorkerTemplate', 'workerTemplate', 'spec'], nodes: size }];
      if (template.leaderTemplate) specs.unshift({ path: ['spec', 'leaderWorkerTemplate', 'leaderTemplate', 'spec'], nodes: size });
      return specs;
    }
    default:
      // Custom resources that carry pod templates (KServe, AIBrix StormService, RayService/RayCluster, …):
      // every object below `spec` with a `containers` list is a pod spec.
      return findPodSpecs(spec, ['spec']).map((path) => ({ path, nodes: 1 }));
  }
}

/** Paths of the objects holding a `containers` list, searched a few levels deep. */
function findPodSpecs(node: unknown, path: (string | number)[], depth = 0): (string | number)[][] {
  if (node === null || typeof node !== 'object' || depth > 8) return [];
  if (!Array.isArray(node) && Array.isArray((node as Obj).containers)) return [path];
  const entries: [string | number, unknown][] = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node as Obj);
  return entries.flatMap(([key, value]) => findPodSpecs(value, [...path, key], depth + 1));
}

function at(data: unknown, path: readonly (string | number)[]): unknown {
  return path.reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Obj)[key] : undefined), data);
}

/** A memory-backed volume mounted at /dev/shm, or hostIPC. */
function hasSharedMemory(pod: Obj, container: Obj): boolean {
  if (pod.hostIPC === true) return true;
  const mounts = (container.volumeMounts ?? []) as Obj[];
  const shm = mounts.find((m) => m.mountPath === '/dev/shm');
  if (!shm) return false;
  const volume = ((pod.volumes ?? []) as Obj[]).find((v) => v.name === shm.name);
  return (volume?.emptyDir as Obj | undefined)?.medium === 'Memory';
}

/**
 * GPU resources of the NVIDIA and AMD device plugins: whole GPUs, time-sliced shares
 * (`nvidia.com/gpu.shared`, renameByDefault) and MIG slices (`nvidia.com/mig-3g.40gb`, mixed strategy).
 */
const GPU_RESOURCE = /^(nvidia\.com\/(gpu|gpu\.shared|mig-[\w.-]+)|amd\.com\/gpu)$/;

function gpuLimit(container: Obj): number | null {
  const resources = (container.resources ?? {}) as { limits?: Obj; requests?: Obj };
  const keys = [...Object.keys(resources.limits ?? {}), ...Object.keys(resources.requests ?? {})];
  const key = keys.find((k) => GPU_RESOURCE.test(k));
  if (key === undefined) return null;
  return Number(resources.limits?.[key] ?? resources.requests?.[key]) || 0;
}

/** A share of a GPU (a MIG slice or a time-sliced GPU): the GPU type's memory is not what the pod gets. */
function gpuShare(container: Obj): string | null {
  const resources = (container.resources ?? {}) as { limits?: Obj; requests?: Obj };
  return [...Object.keys(resources.limits ?? {}), ...Object.keys(resources.requests ?? {})].find((k) => /^nvidia\.com\/(gpu\.shared|mig-)/.test(k)) ?? null;
}

/**
 * No GPU request, but the pod picks its GPUs from the node's runtime (`runtimeClassName: nvidia`,
 * NVIDIA_VISIBLE_DEVICES or CUDA_VISIBLE_DEVICES set): it gets them where that runtime is the
 * default, how many is not in the file.
 */
function gpusFromRuntime(pod: Obj, container: Obj): 'all' | null {
  const env = Array.isArray(container.env) ? (container.env as Obj[]).map((e) => String(e?.name ?? '')) : [];
  return /nvidia/i.test(String(pod.runtimeClassName ?? '')) || env.some((n) => /^(CUDA|NVIDIA)_VISIBLE_DEVICES$/.test(n)) ? 'all' : null;
}

/** Device plugins of accelerators gpuplan does not model (vLLM runs on them through platform plugins). */
const OTHER_ACCELERATOR = /^(huawei\.com\/|aws\.amazon\.com\/neuron|habana\.ai\/|google\.com\/tpu|intel\.com\/(gpu|gaudi)|gpu\.intel\.com\/)/i;

/** The accelerator a container asks for that is not an NVIDIA or AMD GPU, or its ResourceClaims (dynamic resource allocation). */
function otherAccelerator(container: Obj): string | null {
  const resources = (container.resources ?? {}) as { limits?: Obj; requests?: Obj; claims?: unknown };
  const keys = [...Object.keys(resources.limits ?? {}), ...Object.keys(resources.requests ?? {})];
  const device = keys.find((key) => OTHER_ACCELERATOR.test(key));
  if (device) return device;
  return Array.isArray(resources.claims) && resources.claims.length > 0 ? 'a ResourceClaim (dynamic resource allocation)' : null;
}

/**
 * KubeRay clusters (RayCluster, RayService.rayClusterConfig, RayJob.rayClusterSpec, AIBrix
 * RayClusterFleet): the object holding `headGroupSpec` in a pod spec's path. A launch in one of its
 * pods places its workers on every GPU of the cluster: the head's and each worker replica's.
 */
function rayCluster(doc: Obj, path: readonly (string | number)[]): { gpus: number; sharedMemory: boolean } | null {
  const groupAt = path.findIndex((key) => key === 'headGroupSpec' || key === 'workerGroupSpecs');
  if (groupAt < 0) return null;
  const cluster = (at(doc, path.slice(0, groupAt)) ?? {}) as Obj;
  const group = (at(doc, path.slice(0, path[groupAt] === 'headGroupSpec' ? groupAt + 1 : groupAt + 2)) ?? {}) as Obj;
  // KubeRay mounts a memory-backed /dev/shm into the Ray container (the first) for the object store,
  // unless plasma-directory moves it (ray-operator/controllers/ray/common/pod.go, kuberay feeaf72).
  const sharedMemory = ((group.rayStartParams ?? {}) as Obj)['plasma-directory'] === undefined;
  const podGpus = (group: unknown) => (((at(group, ['template', 'spec', 'containers']) as Obj[] | undefined) ?? []) as Obj[]).reduce((sum, c) => sum + (gpuLimit(c) ?? 0), 0);
  const workers = Array.isArray(cluster.workerGroupSpecs) ? (cluster.workerGroupSpecs as Obj[]) : [];
  const workerGpus = workers.reduce((sum, group) => sum + (Number(group.replicas ?? group.minReplicas ?? 1) || 0) * podGpus(group), 0);
  return { gpus: podGpus(cluster.headGroupSpec) + workerGpus, sharedMemory };
}

/**
 * A KubeAI `Model` (kubeai.org): `engine: VLLM` runs `vllm serve` on the model its `url` names
 * (`hf://org/name`) with `args`, on the GPUs its `resourceProfile` asks (`nvidia-gpu-h100:2`);
 * KubeAI gives the pod its shared memory and Service.
 */
function kubeaiModel(doc: Obj, root: unknown, source: YamlSource): ServerLaunch | null {
  if (doc.kind !== 'Model' || typeof doc.apiVersion !== 'string' || !doc.apiVersion.startsWith('kubeai.org/')) return null;
  const spec = (doc.spec ?? {}) as Obj;
  if (String(spec.engine ?? '').toLowerCase() !== 'vllm' || typeof spec.url !== 'string') return null;
  const line = source.line(nodeAt(root, ['spec', 'url']));
  const model = spec.url.replace(/^hf:\/\//, '');
  const count = /:(\d+)$/.exec(String(spec.resourceProfile ?? ''))?.[1];
  const context = {
    container: true,
    gpus: count ? Number(count) : null,
    nodes: 1,
    sharedMemory: true,
    portPublished: null,
    planned: null,
    where: `Model ${String((doc.metadata as Obj | undefined)?.name ?? '')}`,
  };
  const args = tokensOf(nodeAt(root, ['spec', 'args']), source, true) ?? [];
  return launchOfArgs('vllm', [{ text: model, line }, ...args], true, line, context);
}

/**
 * A KubeRay `RayJob`: its `entrypoint` is a shell command submitted to the cluster of
 * `rayClusterSpec` (or to an existing one its `clusterSelector` names, whose GPUs are unknown).
 */
function rayJobLaunches(doc: Obj, root: unknown, source: YamlSource, findings: Findings): ServerLaunch[] {
  const spec = (doc.spec ?? {}) as Obj;
  if (doc.kind !== 'RayJob' || typeof spec.entrypoint !== 'string') return [];
  const ray = spec.rayClusterSpec ? rayCluster(doc, ['spec', 'rayClusterSpec', 'headGroupSpec']) : null;
  const context = {
    container: ray !== null,
    gpus: ray?.gpus ?? null,
    nodes: 1,
    sharedMemory: null,
    portPublished: null,
    planned: null,
    where: `RayJob ${String((doc.metadata as Obj | undefined)?.name ?? '')} entrypoint`,
    rayClusterGpus: ray?.gpus ?? null,
  };
  return scriptLaunches(spec.entrypoint, findings, context, source.line(nodeAt(root, ['spec', 'entrypoint'])));
}

/**
 * KServe's `LLMInferenceService`: its `main` container runs the command of KServe's
 * config-llm-template (kserve/kserve config/llmisvcconfig/config-llm-template.yaml):
 * `vllm serve /mnt/models --served-model-name NAME --port 8000 [--tensor-parallel-size
 * spec.parallelism.tensor] $VLLM_ADDITIONAL_ARGS "$@"`, the container's `args` being "$@" and
 * /mnt/models the download of `spec.model.uri`; it mounts a memory-backed /dev/shm (kserve 2026-08).
 */
/** The server KServe's LLMInferenceService template starts. */
const KSERVE_LLM_ENGINE: ServerEngine = 'vllm';

function llmInferenceServiceLaunch(doc: Obj, root: unknown, container: Obj, node: Node | null, source: YamlSource, context: LaunchContext): ServerLaunch | null {
  const spec = (doc.spec ?? {}) as Obj;
  const model = (spec.model ?? {}) as Obj;
  if (doc.kind !== 'LLMInferenceService' || container.name !== 'main' || typeof model.uri !== 'string') return null;
  const line = source.line(node);
  const uriLine = source.line(nodeAt(root, ['spec', 'model', 'uri']));
  const words: Token[] = [
    { text: model.uri.replace(/^hf:\/\//, ''), line: uriLine },
    { text: '--port', line },
    { text: '8000', line },
  ];
  const tensor = ((spec.parallelism ?? {}) as Obj).tensor;
  if (tensor !== undefined) {
    const tensorLine = source.line(nodeAt(root, ['spec', 'parallelism', 'tensor']));
    words.push({ text: '--tensor-parallel-size', line: tensorLine }, { text: String(tensor), line: tensorLine });
  }
  const extra = Array.isArray(container.env) ? (container.env as Obj[]).find((e) => e?.name === 'VLLM_ADDITIONAL_ARGS') : undefined;
  if (typeof extra?.value === 'string') words.push(...commandTokens(extra.value, line));
  words.push(...(tokensOf(nodeAt(node, ['args']), source, true, literalEnv(container)) ?? []));
  const image = typeof container.image === 'string' ? engineOfImage(container.image) : null;
  // The template mounts a memory-backed /dev/shm (volume dshm) and KServe creates the Service.
  const run = { ...context, sharedMemory: true, ...(image?.run.cpuOnly ? { cpuImage: true } : {}) };
  return launchOfArgs(KSERVE_LLM_ENGINE, words, true, line, run, image?.engine === KSERVE_LLM_ENGINE ? image.run.version : null);
}

/** A container's literal `env` values: Kubernetes puts them in place of `$(NAME)` in its command and args. */
function literalEnv(container: Obj): Map<string, string> {
  const env = new Map<string, string>();
  for (const e of Array.isArray(container.env) ? (container.env as Obj[]) : []) {
    if (typeof e?.name === 'string' && (typeof e.value === 'string' || typeof e.value === 'number')) env.set(e.name, String(e.value));
  }
  return env;
}

/** A container's `env: [{name, value}]`, with lines. */
function podEnvironment(node: unknown, source: YamlSource): OllamaService['environment'] {
  const out: OllamaService['environment'] = {};
  if (!isSeq(node)) return out;
  for (const item of node.items) {
    if (!isMap(item)) continue;
    const name = item.get('name');
    const value = item.get('value');
    if (typeof name === 'string') out[name] = { value: value === undefined || value === null ? '' : String(value), line: source.line(item as Node) };
  }
  return out;
}

/** `indexes[i]` is the position of `docs[i]` among the file's YAML documents (empty ones are skipped). */
export function kubernetesLaunches(source: YamlSource, docs: Obj[], indexes: readonly number[], findings: Findings, ollama: OllamaService[] = []): ServerLaunch[] {
  const launches: ServerLaunch[] = [];
  docs.forEach((doc, d) => {
    const root = source.docs[indexes[d] ?? d]?.contents ?? null;
    const kubeai = kubeaiModel(doc, root, source);
    if (kubeai) {
      launches.push(kubeai);
      return;
    }
    launches.push(...rayJobLaunches(doc, root, source, findings));
    for (const { path, nodes } of podSpecs(doc)) {
      const pod = (at(doc, path) ?? {}) as Obj;
      const containers = (pod.containers ?? []) as Obj[];
      const ray = rayCluster(doc, path);
      containers.forEach((container, i) => {
        const node = nodeAt(root, [...path, 'containers', i]);
        // KubeRay runs `ray start` in a group's container unless it gives its own command.
        if (ray && container.command === undefined && container.args === undefined) return;
        const context = {
          container: true,
          gpus: gpuLimit(container) ?? gpusFromRuntime(pod, container),
          accelerator: otherAccelerator(container),
          ownNetwork: containers.length === 1 && pod.hostNetwork !== true,
          gpuShare: gpuShare(container),
          rayClusterGpus: ray?.gpus ?? null,
          nodes,
          sharedMemory: hasSharedMemory(pod, container) || (ray?.sharedMemory === true && i === 0),
          // Services are separate objects; whether one selects this pod is not checked.
          portPublished: null,
          planned: null,
          where: `${String(doc.kind)} ${String((doc.metadata as Obj | undefined)?.name ?? '')} container ${String(container.name ?? i)}`,
        };
        const kserve = llmInferenceServiceLaunch(doc, root, container, node, source, context);
        if (kserve) {
          launches.push(kserve);
          return;
        }
        const run = containerRun(
          {
            image: typeof container.image === 'string' ? container.image : null,
            entrypoint: tokensOf(nodeAt(node, ['command']), source, true, literalEnv(container)),
            command: tokensOf(nodeAt(node, ['args']), source, true, literalEnv(container)),
            line: source.line(node),
          },
          context,
          findings,
        );
        launches.push(...run.launches);
        if (run.ollama) ollama.push({ where: context.where, line: source.line(node), version: run.ollama.version, environment: podEnvironment(nodeAt(node, ['env']), source) });
      });
    }
  });
  return launches;
}
