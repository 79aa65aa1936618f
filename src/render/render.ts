/**
 * A plan → the files that run it. Every file comes from a template under
 * templates/ (plan.json is the plan itself) and is parsed back by verify.ts before
 * anyone writes it, so a file that would not load, or would run something else,
 * never reaches disk.
 */
import type { Launch } from '../engines/launch.js';
import { engineRelease } from '../engines/registry.js';
import { GiB } from '../memory/units.js';
import { closestPerHardware, describeCandidate, describeHardware, describeSpeed, describeWeights, rejectedLabel } from '../planner/describe.js';
import type { PlanCandidate, PlanResult } from '../planner/schema.js';
import { terminalSafe, UserError } from '../util/errors.js';
import { VERSION } from '../version.js';
import { memoryBarWithLegend, memoryParts } from '../planner/memory-bar.js';
import { costSpeedChart, memoryChart } from './charts.js';
import { shellWords } from './quote.js';
import { servedModelName, weightsSource } from './source.js';
import { renderTemplate } from './templates.js';
import { verifyRendered } from './verify.js';

export interface RenderedFile {
  /** Relative to the output directory. */
  path: string;
  content: string;
  /** Launch scripts are executable. */
  executable: boolean;
}

/** Reasons the PLAN.md "why not cheaper" list keeps (the CLI shows as many). */
const WHY_NOT_SHOWN = 12;

/**
 * Healthcheck grace: 10 minutes to start plus the weights at 200 MB/s (a fast
 * download and a fast disk). Failures inside it do not mark the container unhealthy.
 */
export function startPeriod(diskBytes: number): string {
  return `${10 + Math.ceil(diskBytes / (200e6 * 60))}m`;
}

function checkCommands(launch: Launch): string[] {
  const base = `localhost:${launch.port}/v1`;
  const request = { model: launch.servedName, messages: [{ role: 'user', content: 'Say hello.' }], max_tokens: 32 };
  return [shellWords(['curl', `${base}/models`]), shellWords(['curl', `${base}/chat/completions`, '-H', 'Content-Type: application/json', '-d', JSON.stringify(request)])];
}

/** The nodes one server spans: all of the plan's, or one when every node runs its own copies (`nodeReplicas`). */
function serverNodes(plan: PlanCandidate): number {
  return plan.nodes / plan.nodeReplicas;
}

/** The server launch of a plan, as the release the plan was made for builds it. */
export function launchOf(plan: PlanCandidate): Launch {
  return engineRelease(plan.engine, plan.engineVersion).launch({
    settings: plan.settings,
    source: weightsSource(plan),
    servedName: servedModelName(plan),
    nodes: serverNodes(plan),
    vendor: plan.gpu.vendor,
    artifactSource: plan.artifact?.source ?? null,
  });
}

function unsupportedVendor(name: string, version: string, vendor: string): never {
  throw new UserError(`${name} ${version} has no ${vendor} image recorded; render with another --engine-version`);
}

/**
 * The load balancer in front of llama-server replicas: nginx (a pinned official image), least-connections
 * over the replicas, streaming responses passed through unbuffered. Its config is inline in the compose
 * file (Compose `configs.content`), so the one file parses back whole.
 */
export const LOAD_BALANCER_IMAGE = 'nginx:1.27-alpine';

function loadBalancerConfig(replicas: readonly string[], port: number): string {
  return [
    'events {}',
    'http {',
    '  upstream servers {',
    '    least_conn;',
    ...replicas.map((name) => `    server ${name}:${port};`),
    '  }',
    '  server {',
    `    listen ${port};`,
    // Long prompts and inline images exceed nginx's default 1 MB request body.
    '    client_max_body_size 0;',
    '    location / {',
    '      proxy_pass http://servers;',
    '      proxy_http_version 1.1;',
    '      proxy_set_header Connection "";',
    '      proxy_buffering off;',
    '      proxy_read_timeout 3600s;',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Replicas of a server that splits no further (llama.cpp): each a service on its own GPUs, one endpoint through the balancer. */
function replicaServices(plan: PlanCandidate, launch: Launch): { services: { name: string; deviceIds: string[] }[]; config: string } | null {
  if (plan.replicas <= 1 || engineRelease(plan.engine, plan.engineVersion).scaling.dataParallel !== 'replicas') return null;
  const perReplica = plan.gpuCount / plan.replicas;
  const services = Array.from({ length: plan.replicas }, (_, i) => ({
    name: `${launch.service}-${i + 1}`,
    deviceIds: Array.from({ length: perReplica }, (_, g) => String(i * perReplica + g)),
  }));
  return {
    services,
    config: loadBalancerConfig(
      services.map((r) => r.name),
      launch.port,
    ),
  };
}

/** Everything the templates read. */
export function deployView(result: PlanResult, plan: PlanCandidate) {
  // The release the plan was made for: its image and its launch.
  const engine = engineRelease(plan.engine, plan.engineVersion);
  const launch = launchOf(plan);
  // One server spanning nodes (a Ray cluster, multi-node flags), not the same one-node deployment on each node.
  const multiNode = serverNodes(plan) > 1;
  return {
    version: VERSION,
    request: result.request,
    plan,
    launch,
    image: engine.images[plan.gpu.vendor] ?? unsupportedVendor(engine.name, engine.version, plan.gpu.vendor),
    nvidia: plan.gpu.vendor === 'nvidia',
    multiNode,
    nodeReplicas: plan.nodeReplicas > 1 ? plan.nodeReplicas : null,
    summary: describeCandidate(plan),
    hardware: describeHardware(plan),
    weights: describeWeights(plan),
    speed: describeSpeed(plan),
    replicas: replicaServices(plan, launch),
    loadBalancerImage: LOAD_BALANCER_IMAGE,
    startPeriod: startPeriod(plan.memory.diskBytes),
    scriptFile: plan.files.find((f) => f.endsWith('.sh')) ?? '',
    checkCommands: checkCommands(launch),
    whyNot: closestPerHardware(result.rejected, plan)
      .slice(-WHY_NOT_SHOWN)
      .map((r) => ({ label: rejectedLabel(r), costPerHour: r.costPerHour, message: r.verdict.message })),
    alternatives: result.alternatives.map(describeCandidate),
    // Mermaid blocks (charts.ts), or null when the picture would say nothing.
    memoryChart: memoryChart(plan),
    // The same parts as a stacked text bar (memory-bar.ts): Mermaid has no stacked bar chart.
    memoryBar: memoryBarWithLegend(memoryParts(plan.memory)),
    costSpeedChart: costSpeedChart(result),
    files: plan.files,
    // Pod scratch space for the Hugging Face cache: the weights plus a fifth.
    ephemeralStorage: `${Math.ceil((plan.memory.diskBytes * 1.2) / GiB)}Gi`,
  };
}
export type DeployView = ReturnType<typeof deployView>;

function templateFor(engine: string, file: string): string {
  return file === 'PLAN.md' ? 'PLAN.md' : `${engine}/${file}`;
}

/** The files of a plan, rendered and verified; throws when the plan has nothing to deploy. */
export function renderPlan(result: PlanResult): RenderedFile[] {
  const plan = result.plan;
  if (!plan) throw new UserError('nothing fits this budget, so there is nothing to render; see the suggestions of `gpuplan plan`');
  const view = deployView(result, plan);
  const files = plan.files.map((path) => ({
    path,
    // JSON's own escapes for C1 and bidi characters too: the same strings, and `cat plan.json` is inert.
    content: path === 'plan.json' ? `${terminalSafe(JSON.stringify(result, null, 2))}\n` : renderTemplate(templateFor(plan.engine, path), view),
    executable: path.endsWith('.sh'),
  }));
  verifyRendered(files, view);
  return files;
}
