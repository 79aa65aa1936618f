/**
 * Task files of cloud launchers, which hold a shell script and the GPUs it gets:
 * - SkyPilot (`run:` script, `setup:`, `envs:`, `resources.accelerators: H100:8`, `num_nodes`);
 *   the script runs on the machine, `$SKYPILOT_NUM_GPUS_PER_NODE` is the GPU count.
 * - dstack (`type: service|task`, `commands:`, `image:`, `env:`, `resources.gpu: H100:8 | 80GB:8 | 24GB..:1`,
 *   `port:`); the commands run in the image's container, `$DSTACK_GPUS_NUM` is the GPU count.
 * Variables the file sets are substituted before the script is read. The GPU type is not taken
 * from these names (`A100` may be either memory size in dstack): memory is checked with --gpu(s).
 */
import type { Findings } from './finding.js';
import type { LaunchContext, ServerLaunch } from './launch.js';
import { scriptLaunches } from './script.js';
import { nodeAt, type YamlSource } from './yaml-source.js';

type Obj = Record<string, unknown>;

/** `H100:8`, `{A100: 8}`, `80GB:8`, `24GB..:1`, `A100:40GB:2`, `{name: [H100], count: 8}`: the GPU count (the lower bound of a range). */
function gpuCount(spec: unknown): number | null {
  if (typeof spec === 'number') return spec;
  if (typeof spec === 'string') {
    const parts = spec.split(':').map((p) => p.trim());
    const count = parts.length > 1 ? /^(\d+)/.exec(parts[parts.length - 1] ?? '') : null;
    // One GPU when no count is given, as both launchers read `H100`.
    return count?.[1] ? Number(count[1]) : 1;
  }
  if (spec !== null && typeof spec === 'object' && !Array.isArray(spec)) {
    const o = spec as Obj;
    if (o.count !== undefined) return gpuCount(typeof o.count === 'object' ? ((o.count as Obj).min ?? null) : o.count);
    const values = Object.values(o);
    // SkyPilot `{A100: 8}` (or several alternatives with one count each): the fewest GPUs it may get.
    const counts = values.map((v) => (typeof v === 'number' ? v : 1));
    return counts.length > 0 ? Math.min(...counts) : null;
  }
  if (Array.isArray(spec)) {
    const counts = spec.map(gpuCount).filter((c): c is number => c !== null);
    return counts.length > 0 ? Math.min(...counts) : null;
  }
  return null;
}

/** `envs: {K: v}` (SkyPilot) or `env: [K=v, K]` / `env: {K: v}` (dstack): the values the file gives. */
function variables(env: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (Array.isArray(env)) {
    for (const item of env) {
      const match = typeof item === 'string' ? /^([A-Za-z_]\w*)=(.*)$/s.exec(item) : null;
      if (match?.[1] && match[2] !== undefined) out.set(match[1], match[2]);
    }
  } else if (env !== null && typeof env === 'object') {
    for (const [k, v] of Object.entries(env as Obj)) if (v !== null && typeof v !== 'object') out.set(k, String(v));
  }
  return out;
}

/** `$NAME` and `${NAME}` the file defines, replaced as the shell would (values with quotes stay variables). */
function substitute(script: string, vars: ReadonlyMap<string, string>): string {
  return script.replace(/\$\{([A-Za-z_]\w*)\}|\$([A-Za-z_]\w*)/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const value = vars.get(braced ?? bare ?? '');
    return value !== undefined && !/["'`$\\]/.test(value) ? value : whole;
  });
}

/** The launches of a SkyPilot task or dstack configuration, or null when the document is neither. */
export function launcherTaskLaunches(doc: Obj, source: YamlSource, findings: Findings): ServerLaunch[] | null {
  const root = source.docs[0]?.contents ?? null;
  const resources = (doc.resources ?? {}) as Obj;
  const skypilot = typeof doc.run === 'string' && ['resources', 'setup', 'envs', 'num_nodes', 'service', 'workdir', 'file_mounts'].some((k) => k in doc);
  const dstack = typeof doc.type === 'string' && ['service', 'task', 'dev-environment'].includes(doc.type) && Array.isArray(doc.commands);
  if (!skypilot && !dstack) return null;

  const count = gpuCount(skypilot ? resources.accelerators : resources.gpu);
  const nodes = Number(skypilot ? (doc.num_nodes ?? 1) : (doc.nodes ?? 1)) || 1;
  const vars = variables(skypilot ? doc.envs : doc.env);
  if (count !== null) {
    // What the launchers export to the script (SkyPilot docs "Environment variables"; dstack "Run configurations").
    vars.set(skypilot ? 'SKYPILOT_NUM_GPUS_PER_NODE' : 'DSTACK_GPUS_PER_NODE', String(count));
    if (!skypilot) vars.set('DSTACK_GPUS_NUM', String(count * nodes));
    if (skypilot) vars.set('SKYPILOT_NUM_NODES', String(nodes));
  }
  const port = typeof doc.port === 'number' ? doc.port : null;
  const context: LaunchContext = {
    // dstack runs the commands in a container; SkyPilot on the machine (unless image_id is a docker image).
    container: dstack,
    gpus: count,
    nodes,
    // dstack sizes /dev/shm from resources.shm_size, and its default is not documented as 64 MB: not checked.
    sharedMemory: null,
    portPublished: dstack ? port !== null || null : null,
    containerPorts: dstack && port !== null ? [port] : null,
    planned: null,
    where: skypilot ? 'SkyPilot task' : `dstack ${String(doc.type)} ${String(doc.name ?? '')}`.trim(),
  };
  if (skypilot) {
    const line = source.line(nodeAt(root, ['run']));
    // A block scalar (`run: |`) starts on the line after its indicator.
    const first = line + (/^\s*[|>]/.test(source.lineText(line).replace(/^\s*run:/, '')) ? 1 : 0);
    return scriptLaunches(substitute(doc.run as string, vars), findings, context, first);
  }
  return (doc.commands as unknown[]).flatMap((command, i) => {
    if (typeof command !== 'string') return [];
    const line = source.line(nodeAt(root, ['commands', i]));
    const first = line + (/^\s*-?\s*[|>]/.test(source.lineText(line)) ? 1 : 0);
    return scriptLaunches(substitute(command, vars), findings, context, first);
  });
}
