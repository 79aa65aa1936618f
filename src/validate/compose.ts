/** Server launches in a compose file: each service's image, entrypoint, command, GPUs, IPC and ports. */
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { containerRun, stringCommand } from './container.js';
import type { Findings } from './finding.js';
import { bindMount, GPU_DEVICE, type LaunchContext, type Mount, type ServerLaunch, type Token } from './launch.js';
import { nodeAt, tokensOf, unescapeVariables, type YamlSource } from './yaml-source.js';

type Service = Record<string, unknown>;

export interface OllamaService {
  where: string;
  line: number;
  /** The release the image tag names, or null (untagged, `latest`, unknown): the default release, not pinned. */
  version: string | null;
  environment: Record<string, { value: string; line: number }>;
}

export interface ComposeRun {
  launches: ServerLaunch[];
  ollama: OllamaService[];
}

/** `command:`/`entrypoint:` in list or string form. */
function argvOf(node: Node | null, source: YamlSource): Token[] | null {
  if (isScalar(node) && typeof node.value === 'string') return stringCommand(unescapeVariables(node.value, false), source.line(node));
  return tokensOf(node, source, false);
}

/**
 * The container side of each `ports:` entry: `"8000:8000"`, `"127.0.0.1:8080:8000"`, `8000`,
 * `{target: 8000}`; null when one is a variable or a range (not checked then).
 */
export function containerPortsOf(ports: unknown[]): number[] | null {
  const out: number[] = [];
  for (const entry of ports) {
    const text = typeof entry === 'object' && entry !== null ? String((entry as { target?: unknown }).target ?? '') : String(entry);
    const target = text.split('/')[0]?.split(':').pop() ?? '';
    if (!/^\d+$/.test(target)) return null;
    out.push(Number(target));
  }
  return out;
}

/** GPUs a service reserves: `deploy.resources.reservations.devices` (count or device_ids) or `gpus:`. */
function gpusOf(service: Service): number | 'all' | null {
  const devices = (service.deploy as { resources?: { reservations?: { devices?: unknown } } } | undefined)?.resources?.reservations?.devices;
  if (Array.isArray(devices)) {
    let total = 0;
    for (const device of devices as Record<string, unknown>[]) {
      const caps = device.capabilities;
      if (Array.isArray(caps) && !caps.includes('gpu')) continue;
      if (device.count === 'all' || device.count === -1) return 'all';
      if (Array.isArray(device.device_ids)) {
        const ids = (device.device_ids as unknown[]).map(String);
        // `${GPUS:-0,1}`: known only at run time; "0,1" in one string is two devices.
        if (ids.some((id) => id.includes('$'))) return 'all';
        total += ids.reduce((n, id) => n + id.split(',').filter((x) => x.trim() !== '').length, 0);
      } else if (device.count === undefined || (typeof device.count === 'string' && device.count.includes('$'))) {
        // Neither count nor device_ids: every GPU (Compose Specification, deploy.resources.reservations.devices).
        return 'all';
      } else total += Number(device.count) || 0;
    }
    return total;
  }
  if (service.gpus === 'all') return 'all';
  // The legacy nvidia runtime (vLLM's docs compose examples) exposes every GPU unless NVIDIA_VISIBLE_DEVICES narrows it.
  if (service.runtime === 'nvidia') return 'all';
  if (Array.isArray(service.gpus)) return service.gpus.length;
  // GPUs given as devices (ROCm, Vulkan, CDI): all of the machine's, or the ones named.
  if (Array.isArray(service.devices) && service.devices.some((d) => GPU_DEVICE.test(String(d)))) return 'all';
  return null;
}

/**
 * What an `x-gpuplan` block (written by `gpuplan plan --out`) says about the GPUs this file's server runs on:
 * with `nodeReplicas` every node runs the same file, so one node's share of them.
 */
function plannedGpus(data: Record<string, unknown>): LaunchContext['planned'] {
  const block = data['x-gpuplan'] as { gpu?: unknown; gpuCount?: unknown; nodes?: unknown; nodeReplicas?: unknown } | undefined;
  if (typeof block?.gpu !== 'string' || typeof block.gpuCount !== 'number') return null;
  const copies = typeof block.nodeReplicas === 'number' && block.nodeReplicas > 1 ? block.nodeReplicas : 1;
  const nodes = typeof block.nodes === 'number' ? block.nodes : 1;
  return { gpu: block.gpu, gpuCount: block.gpuCount / copies, nodes: Math.max(1, nodes / copies) };
}

function environmentOf(node: Node | null, source: YamlSource): OllamaService['environment'] {
  const env: OllamaService['environment'] = {};
  if (isMap(node)) {
    for (const pair of node.items) {
      if (isScalar(pair.key)) env[String(pair.key.value)] = { value: String(isScalar(pair.value) ? pair.value.value : ''), line: source.line(pair.key as Node) };
    }
  } else if (isSeq(node)) {
    for (const item of node.items) {
      if (!isScalar(item)) continue;
      const [name, ...value] = String(item.value).split('=');
      env[name ?? ''] = { value: value.join('='), line: source.line(item) };
    }
  }
  return env;
}

/** A service's bind mounts, short (`./models:/models`) and long (`{type: bind, source, target}`) syntax. */
function mountsOf(volumes: unknown): Mount[] {
  if (!Array.isArray(volumes)) return [];
  return volumes.flatMap((v): Mount[] => {
    if (typeof v === 'string') return [bindMount(v)].filter((m): m is Mount => m !== null);
    const long = v as { type?: unknown; source?: unknown; target?: unknown } | null;
    return long?.type === 'bind' && typeof long.source === 'string' && typeof long.target === 'string' ? [{ host: long.source, container: long.target }] : [];
  });
}

export function composeRun(source: YamlSource, data: Record<string, unknown>, findings: Findings): ComposeRun {
  const root = source.docs[0]?.contents ?? null;
  const services = (data.services ?? {}) as Record<string, Service>;
  const planned = plannedGpus(data);
  const run: ComposeRun = { launches: [], ollama: [] };
  for (const [name, service] of Object.entries(services)) {
    if (service === null || typeof service !== 'object') continue;
    const node = nodeAt(root, ['services', name]);
    const line = source.line(node);
    const hostNetwork = service.network_mode === 'host';
    const context: LaunchContext = {
      container: true,
      gpus: gpusOf(service),
      // One service per node: the others run the same file (x-gpuplan says how many).
      nodes: planned?.nodes ?? 1,
      sharedMemory: service.ipc === 'host' || service.shm_size !== undefined,
      // Without `ports`, other services of the file (Open WebUI, a proxy) reach it on the compose network:
      // unpublished is a choice then, and with `expose:` it is stated.
      portPublished: hostNetwork || (Array.isArray(service.ports) && service.ports.length > 0) ? true : service.expose !== undefined || Object.keys(services).length > 1 ? null : false,
      containerPorts: hostNetwork || !Array.isArray(service.ports) ? null : containerPortsOf(service.ports),
      planned,
      where: `service ${name}`,
      mounts: mountsOf(service.volumes),
      ownNetwork: service.network_mode === undefined || service.network_mode === 'bridge',
    };
    const container = containerRun(
      {
        image: typeof service.image === 'string' ? service.image : null,
        entrypoint: argvOf(nodeAt(node, ['entrypoint']), source),
        command: argvOf(nodeAt(node, ['command']), source),
        line,
      },
      context,
      findings,
    );
    run.launches.push(...container.launches);
    if (container.ollama) run.ollama.push({ where: `service ${name}`, line, version: container.ollama.version, environment: environmentOf(nodeAt(node, ['environment']), source) });
  }
  return run;
}
