/**
 * A server launch found in a file: which engine, its arguments with their lines, and
 * what the surrounding container says (GPUs, shared memory, ports). Every extractor
 * (compose, Kubernetes, shell) produces these; checks.ts judges them (pure).
 */
import { DESCRIPTORS, descriptorOf } from '../engines/registry.js';
import type { EngineId } from '../engines/ids.js';
import type { ImageRun } from '../engines/types.js';

export interface Token {
  text: string;
  line: number;
}

/** An engine with a server command line (Ollama's settings live in Modelfiles and environment instead). */
export type ServerEngine = EngineId;

/** What the container or pod around a launch provides; null where the file does not say (a plain script). */
export interface LaunchContext {
  /** In a container (compose service, pod) rather than a plain script. */
  container: boolean;
  /** GPUs this container may use, or 'all'. */
  gpus: number | 'all' | null;
  /** Machines the launch spans (LeaderWorkerSet size). */
  nodes: number;
  /** `ipc: host`, `shm_size`, or a memory-backed /dev/shm volume. */
  sharedMemory: boolean | null;
  /** The API port is reachable from outside (published, host network, or a Kubernetes Service exists). */
  portPublished: boolean | null;
  /** Container ports published (`8000:8000` → 8000), when the file lists them; null with host networking or unknown. */
  containerPorts?: number[] | null;
  /** What an `x-gpuplan` block says about the GPUs. */
  planned: { gpu: string; gpuCount: number; nodes: number } | null;
  /** Where in the file: a service or container name. */
  where: string;
  /**
   * A device that is not an NVIDIA or AMD GPU (`huawei.com/Ascend910`, `aws.amazon.com/neuron`) or a
   * ResourceClaim: gpuplan does not model it, so GPU count, shared memory and memory go unchecked.
   */
  accelerator?: string | null;
  /** Nothing else shares the container's network namespace (no host network, no sidecar, no `network_mode: service:`): a server bound to loopback is unreachable. */
  ownNetwork?: boolean;
  /** A share of a GPU (`nvidia.com/mig-3g.40gb`, `nvidia.com/gpu.shared`): memory is not the whole GPU's, so not checked. */
  gpuShare?: string | null;
  /** The image is a CPU build of the server (llama.cpp `:server`, vllm/vllm-openai-cpu): it needs no GPU. */
  cpuImage?: boolean;
  /** GPUs of the Ray cluster the container belongs to (head and every worker pod): the launch may use them all. */
  rayClusterGpus?: number | null;
  /** Bind mounts (`./models:/models`): where a path inside the container is on the host, relative to the file. */
  mounts?: Mount[];
}

/**
 * Devices that bring GPUs into a container: ROCm's /dev/kfd and /dev/dri, /dev/dri for Vulkan and
 * Intel builds, and CDI names (`nvidia.com/gpu=all`, `amd.com/gpu=0`).
 */
export const GPU_DEVICE = /^(\/dev\/(kfd|dri)|nvidia\.com\/gpu=|amd\.com\/gpu=)/;

export interface Mount {
  host: string;
  container: string;
}

/** A bind mount in Docker's short syntax (`./models:/models:ro`); named volumes (no path) are not on the host. */
export function bindMount(spec: string): Mount | null {
  const [host, container] = spec.split(':');
  if (!host || !container || !/^[./~]/.test(host) || !container.startsWith('/')) return null;
  return { host, container };
}

export interface ServerLaunch {
  engine: ServerEngine;
  /** The release whose flags apply: the one the image tag names, else the default. */
  version: string;
  /** The release is known (an image tag or --engine-version names it), not assumed: a newer one may run. */
  pinned: boolean;
  /** Arguments after the program, with their lines. */
  args: Token[];
  /** The model given positionally (`vllm serve MODEL`), if any. */
  positionalModel: Token | null;
  /** For `vllm serve`, the positional model; the API server module takes only --model. */
  acceptsPositionalModel: boolean;
  line: number;
  context: LaunchContext;
}

/**
 * Words that may come before the program in a command (`CUDA_VISIBLE_DEVICES=0 nohup vllm serve`,
 * `uv run vllm serve`, `timeout 600 llama-server`); a server word after anything else is an
 * argument (`for name in llama-server vllm`, Python in a heredoc), not a launch.
 */
const COMMAND_PREFIX = /^([A-Za-z_][A-Za-z0-9_]*=.*|env|exec|nohup|sudo|time|uv|uvx|run|poetry|pixi|conda|timeout|numactl|taskset|stdbuf|chrt|nice|ionice|-[-\w=,.:]*|\d+[smhd]?)$/;

/** Where the server's own arguments start in an argv, and which engine it is; null when it runs no known server. */
export function findServer(argv: readonly Token[]): { engine: ServerEngine; start: number; positional: boolean } | null {
  const words = argv.map((t) => t.text);
  for (let i = 0; i < words.length; i++) {
    if (i > 0 && !COMMAND_PREFIX.test(words[i - 1] ?? '')) return null;
    for (const descriptor of DESCRIPTORS) {
      const found = descriptor.recognise(words, i);
      if (found) return { engine: descriptor.id, start: found.start, positional: found.positionalModel };
    }
  }
  return null;
}

/** The engine an image belongs to and what its entrypoint runs; null for an image gpuplan does not know. */
export function engineOfImage(image: string): { engine: ServerEngine; run: ImageRun } | null {
  for (const descriptor of DESCRIPTORS) {
    const run = descriptor.image(image);
    if (run) return { engine: descriptor.id, run };
  }
  return null;
}

/** Splits argv into the server launch it runs, if any. */
export function launchFromArgv(argv: readonly Token[], context: LaunchContext, version: string | null = null): ServerLaunch | null {
  const server = findServer(argv);
  if (!server) return null;
  return launchOfArgs(server.engine, argv.slice(server.start), server.positional, argv[0]?.line ?? 0, context, version);
}

/** `version`: the release an image tag names, or null for the default release. */
export function launchOfArgs(engine: ServerEngine, args: readonly Token[], positional: boolean, line: number, context: LaunchContext, version: string | null = null): ServerLaunch {
  const rest = [...args];
  let positionalModel: Token | null = null;
  if (positional && rest[0] && !rest[0].text.startsWith('-')) positionalModel = rest.shift() as Token;
  return { engine, version: version ?? descriptorOf(engine).defaultVersion, pinned: version !== null, args: rest, positionalModel, acceptsPositionalModel: positional, line, context };
}
