/**
 * What a launch asks of the hardware: the model it names (matched to the catalog), its
 * parallel layout against the attention heads and the GPUs the container gets, the
 * quantization against the GPU, and the engine's own memory accounting for the
 * configured context (pure).
 */
import { isAbsolute, resolve } from 'node:path';
import type { Architecture } from '../catalog/architecture.js';
import type { Catalog, CatalogModel } from '../catalog/catalog.js';
import { findByName } from '../catalog/lookup.js';
import { normalizeName } from '../util/closest.js';
import { type ModelSpec, specFromCatalogEntry } from '../catalog/model.js';
import type { Artifact, Gpu, Quantization } from '../catalog/schema.js';
import { ONLINE_QUANTIZATION_FLAGS, onlineQuantizationOf, tensorParallelProblem, validTensorParallelDegrees } from '../engines/common.js';
import { descriptorOf, engineRelease } from '../engines/registry.js';
import type { Deployment, Engine, EngineOverrides, KvDtype, SettingFlags } from '../engines/types.js';
import { fits } from '../engines/verdict.js';
import { modelVariant, sixteenBitCheckpoint } from '../engines/variant.js';
import { countParams } from '../memory/params.js';
import { formatGiB } from '../memory/units.js';
import { weightsPerGpu } from '../memory/weights.js';
import type { ParsedFlags } from './flags-check.js';
import type { Findings } from './finding.js';
import type { LaunchContext, ServerLaunch } from './launch.js';

export interface HardwareHint {
  gpu: Gpu;
  /** GPUs in all, when the user said (`--gpus 8xA100-80G`). */
  count: number | null;
}

function value(flags: ParsedFlags, name: string): string | null {
  const v = flags.get(name)?.value ?? null;
  return v !== null && !v.includes('$') ? v : null;
}

/** vLLM's human_readable_int: `25.6k` = 25,600 (k, m, g, t decimal), `32K` = 32,768 (K, M, G, T binary); null when absent or dynamic. */
function integer(flags: ParsedFlags, name: string): number | null {
  const v = value(flags, name);
  if (v === null) return null;
  const match = /^(\d+(?:\.\d+)?)([kmgtKMGT]?)$/.exec(v);
  if (!match) return null;
  const suffix = match[2] ?? '';
  const power = { '': 0, k: 1, m: 2, g: 3, t: 4 }[suffix.toLowerCase()] ?? 0;
  const base = suffix !== '' && suffix === suffix.toUpperCase() ? 1024 : 1000;
  return Math.floor(Number(match[1]) * base ** power);
}

/** The catalog model and published artifact a model reference names (`org/repo`, `org/repo:QUANT`). */
/**
 * The launch's settings that change the engine's memory beyond context and slots: tokens per step, requests run
 * at once (where that is not llama.cpp's slots), and llama.cpp's physical batch (its compute buffer and each
 * slot's sliding-window cache).
 */
function launchOverrides(flags: ParsedFlags, names: SettingFlags): EngineOverrides {
  const given = (name: string | null) => (name ? (integer(flags, name) ?? undefined) : undefined);
  const overrides: EngineOverrides = {};
  const batchedTokens = given(names.batchedTokens);
  const maxSequences = names.maxSequences !== names.slots ? given(names.maxSequences) : undefined;
  const ubatch = given(names.ubatch);
  if (batchedTokens !== undefined && batchedTokens > 0) overrides.batchedTokens = batchedTokens;
  if (maxSequences !== undefined && maxSequences > 0) overrides.maxSequences = maxSequences;
  if (ubatch !== undefined && ubatch > 0) overrides.ubatch = ubatch;
  return overrides;
}

export function catalogMatch(catalog: Catalog, ref: string): { model: CatalogModel; artifact: Artifact | null } | null {
  const [repo, tag] = ref.split(':');
  const key = (repo ?? '').toLowerCase();
  for (const model of catalog.models) {
    const artifact = model.artifacts.find((a) => {
      const source = a.source.toLowerCase();
      const matchesRepo = source === `hf:${key}` || source.startsWith(`hf:${key}/`);
      return matchesRepo && (!tag || a.quantization.toLowerCase() === tag.toLowerCase());
    });
    if (artifact) return { model, artifact };
  }
  // A local path (`/models/Llama-3.1-8B-Instruct`) names its model by its last part, as the repo did.
  const model = findByName(catalog.models, repo ?? '') ?? (repo?.includes('/') ? byDirectoryName(catalog, repo) : undefined);
  return model ? { model, artifact: null } : null;
}

function byDirectoryName(catalog: Catalog, path: string): CatalogModel | undefined {
  const last = normalizeName(path.replace(/\/+$/, '').split('/').pop() ?? '');
  if (!last) return undefined;
  const names = (m: CatalogModel) => [m.id, m.name, m.hfRepo, ...m.aliases].map((n) => normalizeName(n.split('/').pop() ?? n));
  const found = catalog.models.filter((m) => names(m).includes(last));
  return found.length === 1 ? found[0] : undefined;
}

/**
 * Reads the config.json of a checkpoint directory on this machine (I/O, given by the caller), or
 * null. `dir` is the file's own directory, against which relative paths resolve.
 */
export interface LocalModels {
  dir: string;
  read: (checkpointDir: string) => ModelSpec | null;
}

/** What a launch serves: a catalog model, or the config.json beside its local path. */
interface ServedModel {
  spec: ModelSpec;
  architecture: Architecture;
  name: string;
  /** The artifact the reference names (`org/repo:QUANT`), when it names one. */
  artifact: Artifact | null;
  /** How `gpuplan plan --model` names it. */
  planRef: string;
}

/** Where a path the server reads is on this machine: through the container's bind mounts, or as written for a plain script. */
export function hostPaths(ref: string, context: LaunchContext, dir: string): string[] {
  const paths = context.container
    ? (context.mounts ?? []).filter((m) => ref === m.container || ref.startsWith(`${m.container.replace(/\/+$/, '')}/`)).map((m) => m.host + ref.slice(m.container.replace(/\/+$/, '').length))
    : [ref];
  return paths.map((p) => (isAbsolute(p) ? p : resolve(dir, p)));
}

/**
 * The model a reference names. A checkpoint directory on this machine with a config.json
 * (`./models/my-finetune`, mounted into the container) is read for its exact architecture;
 * otherwise the catalog, by repo, name, or a local path's directory name.
 */
function servedModel(catalog: Catalog, ref: string, context: LaunchContext, local: LocalModels | null): ServedModel | null {
  const looksLocal = /^([./~]|[A-Za-z]:\\)/.test(ref) || (context.mounts ?? []).some((m) => ref.startsWith(m.container));
  if (local && looksLocal && !ref.startsWith('~')) {
    for (const path of hostPaths(ref, context, local.dir)) {
      const spec = local.read(path);
      if (spec?.architecture) return { spec, architecture: spec.architecture, name: spec.name, artifact: null, planRef: `${path}/config.json` };
    }
  }
  const match = catalogMatch(catalog, ref);
  return match ? { spec: specFromCatalogEntry(match.model), architecture: match.model.architecture, name: match.model.name, artifact: match.artifact, planRef: match.model.id } : null;
}

/**
 * The dtype a 16-bit checkpoint loads in when no `--dtype` is given: an engine with an auto-dtype
 * fallback (vLLM) takes FP16 where the GPU has no BF16; other engines keep the checkpoint's dtype.
 */
function autoDtype(
  stored: Quantization,
  gpu: Gpu,
  flags: ParsedFlags,
  names: SettingFlags,
  engine: Engine,
  spec: ModelSpec,
  arch: Architecture,
  artifact: Artifact | null,
  catalog: Catalog,
): Quantization {
  const dtype = names.dtype ? value(flags, names.dtype) : null;
  if (stored.id !== 'bf16' || (dtype !== null && dtype !== 'auto') || !engine.autoDtypeFallback) return stored;
  const probe = modelVariant(spec, arch, countParams(arch), stored, artifact, 'artifact');
  if (!engine.unsupported(stored, gpu, probe)) return stored;
  const fp16 = catalog.quantizations.find((q) => q.id === 'fp16');
  if (!fp16) return stored;
  const asHalf = modelVariant(spec, arch, countParams(arch), fp16, artifact, 'artifact');
  // Gemma 2/3 (refused in FP16) would load in FP32 at twice the bytes: not modelled, the BF16 finding stands.
  return !engine.refusal(asHalf) && !engine.unsupported(fp16, gpu, asHalf) ? fp16 : stored;
}

function modelRef(launch: ServerLaunch, flags: ParsedFlags, names: SettingFlags): { ref: string; line: number } | null {
  for (const name of names.model) {
    const flag = flags.get(name);
    if (flag?.value) return { ref: flag.value, line: flag.token.line };
  }
  return launch.positionalModel ? { ref: launch.positionalModel.text, line: launch.positionalModel.line } : null;
}

export function checkDeployment(launch: ServerLaunch, flags: ParsedFlags, catalog: Catalog, hint: HardwareHint | null, findings: Findings, local: LocalModels | null = null): void {
  const { context } = launch;
  const descriptor = descriptorOf(launch.engine);
  const engine = engineRelease(launch.engine, launch.version);
  const names = descriptor.commandLine?.settings;
  if (!names) return;
  const tensor = engine.parallelism === 'tensor';
  const tp = (names.tp && integer(flags, names.tp)) || 1;
  const pp = (names.pp && integer(flags, names.pp)) || 1;
  // Data-parallel replicas (vLLM --data-parallel-size, SGLang --dp-size) each take TP × PP GPUs.
  const dp = (names.dp && integer(flags, names.dp)) || 1;
  const tpLine = (names.tp && flags.get(names.tp)?.token.line) || launch.line;
  // Fixes name the option as the file spells it (`--tp-size` for SGLang's `--tensor-parallel-size`).
  const tpFlag = (names.tp && flags.get(names.tp)?.spelling) || names.tp || '--tensor-parallel-size';

  // A positional that is a variable (`${EAGER:+--enforce-eager}`) may be an option, not the model.
  if (launch.positionalModel && !launch.positionalModel.text.includes('$') && flags.has('--model')) {
    findings.add(
      'error',
      flags.get('--model')?.token.line ?? launch.line,
      'model-twice',
      'vllm serve takes the model once: as its first argument or --model=…, not both (vLLM raises ValueError)',
      'drop --model',
    );
  }

  // GPUs: the container's reservation, the user's --gpus, or what gpuplan planned.
  const planned = context.planned ? (catalog.gpus.find((g) => g.id === context.planned?.gpu) ?? null) : null;
  const gpu = hint?.gpu ?? planned;
  // A launch with --nnodes N runs once per machine (a StatefulSet's N pods), each with its own GPUs.
  const nnodes = (names.nodes && integer(flags, names.nodes)) || 1;
  const reserved = typeof context.gpus === 'number' ? context.gpus * Math.max(context.nodes, nnodes) : null;
  const gpuCount = reserved ?? hint?.count ?? context.planned?.gpuCount ?? null;

  if (context.accelerator) {
    // vLLM on Ascend, Neuron, Gaudi or TPU runs through a platform plugin with its own memory rules.
    findings.add('info', launch.line, 'memory-unchecked', `${context.where} runs on ${context.accelerator}, which gpuplan does not model: GPU count, shared memory and memory not checked`, null);
  } else if (context.container && context.gpus === null && context.cpuImage) {
    // A CPU build without GPUs is a CPU deployment: nothing to reserve.
  } else if (context.container && context.gpus === null && !tensor) {
    // llama.cpp's GPU builds find no device and run every layer on the CPU: it starts, slowly.
    findings.add(
      'warning',
      launch.line,
      'no-gpus',
      `${context.where} reserves no GPUs, so ${engine.name} finds none and runs every layer on the CPU`,
      'add deploy.resources.reservations.devices: [{driver: nvidia, count: N, capabilities: [gpu]}] (Kubernetes: resources.limits nvidia.com/gpu), or use the CPU image',
    );
  } else if (context.container && context.gpus === null) {
    findings.add(
      'error',
      launch.line,
      'no-gpus',
      `${context.where} reserves no GPUs, so ${engine.name} starts without any`,
      'add deploy.resources.reservations.devices: [{driver: nvidia, count: N, capabilities: [gpu]}] (Kubernetes: resources.limits nvidia.com/gpu)',
    );
  }
  // With --config the parallel settings may live in a file gpuplan does not read.
  // SGLang's DP attention runs the DP ranks inside the TP group: TP × PP GPUs in all.
  const dpInsideTp = names.dpInsideTp !== null && flags.has(names.dpInsideTp);
  // Multi-node data parallel: each machine starts its --data-parallel-size-local ranks.
  const dpHere = (names.dpLocal && integer(flags, names.dpLocal)) || dp;
  const replicas = dpInsideTp ? 1 : dpHere;
  const layout =
    dp > 1 ? (dpInsideTp ? `TP ${tp} × PP ${pp} (DP ${dp} attention inside TP)` : `TP ${tp} × PP ${pp} × DP ${dpHere}${dpHere !== dp ? ` (of DP ${dp} across machines)` : ''}`) : `TP ${tp} × PP ${pp}`;
  const used = tp * pp * replicas;
  if (dpInsideTp && dp > 1 && tp % dp !== 0 && names.dp) {
    findings.add(
      'error',
      flags.get(names.dp)?.token.line ?? launch.line,
      'parallel-gpus',
      `${names.dp} ${dp} with ${names.dpInsideTp}: the DP ranks split the TP group, so DP must divide TP ${tp} (${engine.name} refuses to start)`,
      `${names.dp} one of ${[1, 2, 4, 8, 16].filter((d) => d <= tp && tp % d === 0).join(', ')}`,
    );
  }
  const rayCluster = context.rayClusterGpus ?? null;
  if (tensor && rayCluster !== null && !context.accelerator && !flags.has('--config')) {
    // In a KubeRay pod vLLM places its workers on the whole cluster (Ray is initialised there).
    if (used > rayCluster) {
      findings.add(
        'error',
        tpLine,
        'parallel-gpus',
        `${layout} = ${used} GPUs, but the Ray cluster of ${context.where} has ${rayCluster} (head and workers)`,
        `add worker replicas, or lower ${tpFlag}`,
      );
    }
  } else if (tensor && gpuCount !== null && reserved !== null && !context.accelerator && !flags.has('--config')) {
    const cluster = names.executorBackend !== null && value(flags, names.executorBackend) === 'ray';
    // A LeaderWorkerSet group is the whole Ray cluster (leader and workers): its GPUs are all there is.
    if (used > reserved && cluster && context.nodes <= 1) {
      findings.add('info', tpLine, 'parallel-gpus', `${layout} = ${used} GPUs from a Ray cluster; ${context.where} brings ${reserved}`, null);
    } else if (used > reserved) {
      findings.add('error', tpLine, 'parallel-gpus', `${layout} = ${used} GPUs, but ${context.where} gets ${reserved}`, `reserve ${used} GPUs, or lower ${tpFlag}`);
    } else if (used < reserved) {
      findings.add('warning', tpLine, 'parallel-gpus', `${layout} uses ${used} of the ${reserved} GPUs ${context.where} reserves`, `${tpFlag} ${reserved / pp / replicas}`);
    }
  }
  // Workers on this machine share memory; with one GPU here (the rest on other Ray or LWS nodes) there is nothing to share.
  const localGpus = typeof context.gpus === 'number' ? Math.min(tp * pp, context.gpus) : tp * pp;
  if (tensor && context.container && localGpus > 1 && !context.accelerator && context.sharedMemory === false) {
    const fix =
      context.where === 'docker run'
        ? 'add --ipc=host (or --shm-size=16g)'
        : context.where.startsWith('service ')
          ? 'add `ipc: host` (or shm_size: 16gb)'
          : 'mount an emptyDir {medium: Memory} at /dev/shm';
    findings.add(
      'error',
      launch.line,
      'shared-memory',
      `${engine.name} with ${localGpus} GPUs in one container needs shared memory between workers; ${context.where} has the 64 MB container default, and NCCL fails`,
      fix,
    );
  }
  const host = value(flags, names.host);
  if (host !== null && context.container && context.ownNetwork && /^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/.test(host)) {
    findings.add(
      'warning',
      flags.get(names.host)?.token.line ?? launch.line,
      'port',
      `${names.host} ${host}: ${engine.name} listens on the container's loopback only, so nothing outside ${context.where} reaches the API`,
      `${names.host} 0.0.0.0`,
    );
  }
  const listening = value(flags, names.port) ?? String(descriptor.defaultPort);
  if (context.portPublished === false) {
    findings.add('warning', launch.line, 'port', `${context.where} publishes no port: the API on ${listening} is unreachable from the host`, `ports: ["${listening}:${listening}"]`);
  } else if (context.containerPorts?.length && /^\d+$/.test(listening) && !context.containerPorts.includes(Number(listening))) {
    findings.add(
      'warning',
      flags.get(names.port)?.token.line ?? launch.line,
      'port',
      `${engine.name} listens on ${listening}, but ${context.where} publishes container port ${context.containerPorts.join(', ')}: requests reach nothing`,
      `publish "${context.containerPorts[0]}:${listening}" (host:container), or ${names.port} ${context.containerPorts[0]}`,
    );
  }

  // vLLM CacheConfig.gpu_memory_utilization: Field(gt=0, le=1); SGLang's mem_fraction_static is a fraction too.
  const fraction = names.memoryFraction ? value(flags, names.memoryFraction) : null;
  if (names.memoryFraction && fraction !== null && Number.isFinite(Number(fraction)) && (Number(fraction) <= 0 || Number(fraction) > 1)) {
    const asFraction = Number(fraction) > 1 && Number(fraction) <= 100 ? String(Number(fraction) / 100) : '0.9';
    findings.add(
      'error',
      flags.get(names.memoryFraction)?.token.line ?? launch.line,
      'memory-fraction',
      `${names.memoryFraction} ${fraction}: a fraction of GPU memory, greater than 0 and at most 1 (${engine.name} refuses to start)`,
      `${names.memoryFraction} ${asFraction}`,
    );
  }

  const ref = modelRef(launch, flags, names);
  if (!ref || ref.ref.includes('$')) return;
  const match = servedModel(catalog, ref.ref, context, local);
  if (!match) {
    findings.add('info', ref.line, 'model-unknown', `model ${ref.ref} is not in gpuplan's catalog and no config.json was found beside it: heads and memory not checked`, null);
    return;
  }
  const { spec, architecture: arch } = match;
  if (pp > arch.layers) {
    // vLLM's get_pp_indices leaves a stage without layers; the memory terms below would split nothing.
    const ppLine = (names.pp && flags.get(names.pp)?.token.line) || launch.line;
    findings.add('error', ppLine, 'pp-layers', `PP ${pp} is more stages than the ${arch.layers} layers of ${match.name}`, `${names.pp ?? '--pipeline-parallel-size'} at most ${arch.layers}`);
    return;
  }
  const tpProblem = tensor ? tensorParallelProblem(arch, tp) : null;
  if (tpProblem) {
    const valid = validTensorParallelDegrees(arch, Math.max(8, tp));
    findings.add('error', tpLine, 'tp-heads', `${tpProblem} of ${match.name}; ${engine.name} refuses to start`, `${tpFlag} one of ${valid.join(', ')}`);
    return;
  }
  const asked = integer(flags, names.context);
  // RoPE scaling given on the command line raises the model's maximum; not checked then.
  const ropeOverride = [...flags.keys()].some((name) => /rope|hf-overrides|json-model-override/.test(name));
  if (tensor && asked !== null && asked > arch.maxContext && !ropeOverride) {
    // vllm/config/model.py _get_and_verify_max_len; SGLang's model_config makes the same check.
    findings.add(
      'error',
      flags.get(names.context)?.token.line ?? launch.line,
      'context-too-long',
      `${names.context} ${asked} is above ${match.name}'s maximum of ${arch.maxContext} tokens: ${engine.name} refuses to start (User-specified max_model_len (${asked}) is greater than the derived max_model_len)`,
      `${names.context} ${arch.maxContext}`,
    );
  }
  if (context.accelerator || context.cpuImage) return;
  if (context.gpuShare && (hint || context.planned)) {
    findings.add('info', launch.line, 'memory-unchecked', `${context.where} gets ${context.gpuShare}, a share of a GPU: memory not checked`, null);
    return;
  }
  if (dp > 1) {
    // Replicas (and with expert parallel, experts spread over them) are not what gpuplan's accounting models.
    findings.add('info', launch.line, 'memory-unchecked', `${layout}: data-parallel replicas, memory not checked`, null);
    return;
  }
  if (!gpu) {
    const largest = catalog.gpus.reduce((a, b) => (b.memoryBytes > a.memoryBytes ? b : a));
    const stored = match.artifact ?? sixteenBitCheckpoint(spec) ?? null;
    const storedQuant = catalog.quantizations.find((q) => q.id === (stored?.quantization ?? spec.nativeQuantization));
    if (tensor && storedQuant) {
      const perGpu = weightsPerGpu(modelVariant(spec, arch, countParams(arch), storedQuant, stored, 'artifact').layout, tp, pp);
      if (perGpu > largest.memoryBytes) {
        findings.add(
          'error',
          tpLine,
          'weights-too-large',
          `${match.name} at TP ${tp} × PP ${pp} puts ${formatGiB(perGpu)} of weights on each GPU, more than any GPU holds (${largest.name}: ${formatGiB(largest.memoryBytes)})`,
          `raise ${tpFlag} (or pipeline stages), or serve a smaller quantization`,
        );
        return;
      }
    }
    findings.add('info', launch.line, 'memory-unchecked', 'GPU type unknown: memory not checked', 'pass --gpus 8xA100-80G (or --gpu a100-80g), or keep the x-gpuplan block gpuplan writes');
    return;
  }

  // The variant the launch serves: the artifact it names, or the 16-bit checkpoint quantized at load.
  const onlineId = onlineQuantizationOf((flag) => {
    const name = flag === 'quantization' ? names.quantization : names.dtype;
    return name ? value(flags, name) : null;
  });
  const artifact = match.artifact ?? sixteenBitCheckpoint(spec) ?? spec.artifacts[0] ?? null;
  // `--dtype half` sets the activations' dtype: it re-types 16-bit weights, not an AWQ/GPTQ/FP8 checkpoint's.
  const storedBits = catalog.quantizations.find((q) => q.id === (artifact?.quantization ?? spec.nativeQuantization))?.nominalBits ?? 16;
  const dtypeOnly = onlineId !== null && ONLINE_QUANTIZATION_FLAGS[onlineId]?.flag === 'dtype';
  const quantId = onlineId && artifact && artifact.quantization !== onlineId && !(dtypeOnly && storedBits < 16) ? onlineId : (artifact?.quantization ?? spec.nativeQuantization);
  const stored = catalog.quantizations.find((q) => q.id === quantId);
  if (!stored) return;
  const quant = autoDtype(stored, gpu, flags, names, engine, spec, arch, artifact, catalog);
  const variant = modelVariant(spec, arch, countParams(arch), quant, artifact, onlineId && quantId === onlineId ? 'online' : 'artifact');
  const unsupported = engine.unsupported(quant, gpu, variant);
  if (unsupported) {
    findings.add('error', ref.line, 'quantization', `${quant.id} on ${gpu.name}: ${unsupported}`, null);
    return;
  }
  // The GPUs the layout uses: a reservation may hold more than TP × PP.
  const count = tensor ? tp * pp : gpuCount === null ? tp * pp : gpuCount;
  const parallel = tensor ? { tp, pp } : { tp: 1, pp: count };
  // Slots share one KV cache of the context flag's tokens (llama.cpp); --ctx-size 0 is the model's training context; fewer than one slot is one.
  const slots = names.slots ? { ctx: integer(flags, names.context) || null, count: Math.max(1, integer(flags, names.slots) ?? 1) } : null;
  const contextTokens = slots ? Math.floor((slots.ctx ?? arch.maxContext) / slots.count) : (integer(flags, names.context) ?? arch.maxContext);
  const kv = value(flags, names.kvDtype);
  const kvDtype = kv !== null && (engine.kvDtypes as readonly string[]).includes(kv) ? (kv as KvDtype) : 'auto';
  const deployment: Deployment = {
    variant,
    gpu,
    gpuCount: count,
    nodes: context.nodes,
    ...parallel,
    context: contextTokens,
    concurrency: slots?.count ?? 1,
    kvDtype,
    memoryFraction: names.memoryFraction && value(flags, names.memoryFraction) !== null ? Number(value(flags, names.memoryFraction)) : null,
    cpuOffload: true,
    overrides: launchOverrides(flags, names),
  };
  const fit = engine.fit(deployment);
  const contextLine = flags.get(names.context)?.token.line ?? launch.line;
  if (!fits(fit.verdict) && fit.verdict.status !== 'reduced-concurrency') {
    const log = fit.verdict.engineMessage?.startsWith('ValueError') ? ` — ${engine.name} will fail with: ${fit.verdict.engineMessage}` : '';
    findings.add(
      'error',
      contextLine,
      'memory',
      `${quant.id} on ${count} × ${gpu.id} at ${contextTokens} tokens: ${fit.verdict.message}${log}`,
      `gpuplan plan --model ${match.planRef} --budget ${count}x${gpu.id} --context ${contextTokens}`,
    );
    return;
  }
  if (slots && names.gpuLayers) {
    const ngl = integer(flags, names.gpuLayers);
    const placed = fit.gpuLayers ?? 0;
    const layers = arch.layers + 1;
    if ((ngl === null || ngl > placed) && placed < layers) {
      findings.add(
        'error',
        flags.get(names.gpuLayers)?.token.line ?? launch.line,
        'memory',
        `only ${placed} of ${layers} layers fit on ${count} × ${gpu.id} with ${contextTokens * slots.count} tokens of KV cache; ${ngl === null ? 'the default offloads all of them' : `--n-gpu-layers ${ngl}`} runs out of memory`,
        `--n-gpu-layers ${placed}`,
      );
    }
  }
}
