/**
 * Parse-back of rendered files: each is read with the parser its consumer uses and
 * must say exactly what the plan says (same argv, same environment, same weights).
 * A mismatch is a gpuplan bug or a hostile value, and the render fails loudly.
 */
import { LOAD_BALANCER_FILE } from '../planner/candidate.js';
import { isDeepStrictEqual } from 'node:util';
import { parseCompose, parseYamlStrict, type ComposeFile } from '../formats/compose.js';
import { type Modelfile, ModelfileError, parseModelfile } from '../formats/modelfile.js';
import { execCommands, shellArgv } from '../formats/shell.js';
import { expandVariables, KUBERNETES_VARIABLES } from '../formats/variables.js';
import { firstUnsafeCharacter, UserError } from '../util/errors.js';
import type { Launch } from '../engines/launch.js';
import { MERMAID_TEXT_CHARACTER } from './quote.js';
import type { DeployView, RenderedFile } from './render.js';

/** A rendered file that does not read back as the plan: from a hand-edited plan.json, exit 2 like any bad input. */
export class RenderError extends UserError {
  override readonly name: string = 'RenderError';
}

function expectEqual(file: string, what: string, actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new RenderError(`${file}: ${what} reads back as ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  }
}

function service(compose: ComposeFile, file: string, name: string): Record<string, unknown> {
  const found = compose.services[name];
  if (!found) throw new RenderError(`${file}: no service "${name}"`);
  return found;
}

function envObject(vars: readonly { name: string; value: string }[]): Record<string, string> {
  return Object.fromEntries(vars.map((e) => [e.name, e.value]));
}

function verifyCompose(file: string, text: string, view: DeployView): void {
  const compose = parseCompose(text, file);
  const { launch } = view;
  const marker = compose['x-gpuplan'] as Record<string, unknown> | undefined;
  expectEqual(file, 'x-gpuplan model', marker?.model, view.plan.model.id);
  expectEqual(file, 'x-gpuplan gpuCount', marker?.gpuCount, view.plan.gpuCount);
  if (launch.modelfile) {
    // A Modelfile engine: the daemon, and a one-shot service that creates the model from the Modelfile.
    const server = service(compose, file, launch.service);
    expectEqual(file, 'ollama environment', server.environment, envObject([...launch.containerEnv, ...launch.env]));
    expectEqual(file, 'ollama-create command', service(compose, file, 'ollama-create').command, ['create', launch.servedName, '-f', '/gpuplan/Modelfile']);
    return;
  }
  if (launch.rayCluster) {
    const head = service(compose, file, `${launch.service}-head`).command as string[];
    expectEqual(file, `${launch.service}-head command`, shellArgv(head[0] ?? ''), ['ray', 'start', '--head', '--port=6379', '&&', 'exec', ...launch.scriptCommand]);
    service(compose, file, `${launch.service}-worker`);
    return;
  }
  if (view.replicas) {
    // Replicas: each runs the planned launch on its own GPUs; the balancer lists every one of them.
    for (const replica of view.replicas.services) {
      const server = service(compose, file, replica.name);
      expectEqual(file, `${replica.name} command`, server.command, [...launch.containerArgs, ...launch.nodeArgs]);
      const devices = (server.deploy as { resources?: { reservations?: { devices?: { device_ids?: unknown }[] } } } | undefined)?.resources?.reservations?.devices;
      if (view.nvidia) expectEqual(file, `${replica.name} device_ids`, devices?.[0]?.device_ids, replica.deviceIds);
    }
    expectEqual(file, 'lb volumes', service(compose, file, 'lb').volumes, ['./nginx.conf:/etc/nginx/nginx.conf:ro']);
    return;
  }
  const server = service(compose, file, launch.service);
  expectEqual(file, 'entrypoint', server.entrypoint, launch.entrypoint);
  expectEqual(file, 'command', server.command, [...launch.containerArgs, ...launch.nodeArgs]);
  expectEqual(file, 'healthcheck', (server.healthcheck as { test?: unknown } | undefined)?.test, launch.healthcheck);
  const env = server.environment as Record<string, string>;
  expectEqual(file, 'environment', env, { HF_TOKEN: '<HF_TOKEN>', ...envObject([...launch.env, ...launch.containerEnv]) });
  if (launch.localModel) {
    const volumes = server.volumes as unknown[];
    expectEqual(file, 'model volume', volumes[1], { type: 'bind', source: launch.localModel.hostDir, target: launch.localModel.containerDir, read_only: true });
  }
}

function verifyScript(file: string, text: string, launch: Launch): void {
  const commands = execCommands(text);
  if (!commands.some((argv) => isDeepStrictEqual(argv, launch.scriptCommand))) {
    throw new RenderError(`${file}: no exec line reads back as ${JSON.stringify(launch.scriptCommand)} (found ${JSON.stringify(commands)})`);
  }
}

/** The Modelfile read as `ollama create` reads it (formats/modelfile.ts ports its parser): exactly the planned FROM and PARAMETERs. */
function verifyModelfile(file: string, text: string, launch: Launch): void {
  const expected = launch.modelfile;
  if (!expected) throw new RenderError(`${file}: rendered for an engine without a Modelfile`);
  let modelfile: Modelfile;
  try {
    modelfile = parseModelfile(text);
  } catch (error) {
    if (error instanceof ModelfileError) throw new RenderError(`${file}: Ollama cannot read it: ${error.message}`);
    throw error;
  }
  // Nothing may vanish on the way: a rune Ollama drops changes a value or the instructions.
  const [dropped] = modelfile.dropped;
  if (dropped) throw new RenderError(`${file}: line ${dropped.line} holds U+${dropped.codePoint.toString(16).toUpperCase().padStart(4, '0')}, which Ollama's parser drops`);
  expectEqual(
    file,
    'instructions',
    modelfile.commands.map((c) => [c.name, c.args]),
    [['model', expected.from], ...expected.parameters.map((p) => [p.name, p.value])],
  );
}

function verifyLeaderWorkerSet(file: string, text: string, launch: Launch, nodeReplicas: number | null): void {
  const docs = text.split(/^---$/m).map((doc, i) => parseYamlStrict(doc, `${file} document ${i + 1}`) as Record<string, unknown>);
  const kinds = docs.map((d) => d.kind);
  expectEqual(file, 'kinds', kinds, ['LeaderWorkerSet', 'Service']);
  if (nodeReplicas !== null) {
    // Copies of the one-node server: groups of one pod, each the planned launch.
    const spec = (docs[0] as { spec: { replicas: unknown; leaderWorkerTemplate: { size: unknown; workerTemplate: { spec: { containers: { args: string[] }[] } } } } }).spec;
    expectEqual(file, 'replicas', spec.replicas, nodeReplicas);
    expectEqual(file, 'group size', spec.leaderWorkerTemplate.size, 1);
    const server = spec.leaderWorkerTemplate.workerTemplate.spec.containers[0];
    expectEqual(file, 'server command', shellArgv(server?.args[0] ?? ''), ['exec', ...launch.scriptCommand]);
    return;
  }
  const leader = (docs[0] as { spec: { leaderWorkerTemplate: { leaderTemplate: { spec: { containers: { args: string[] }[] } } } } }).spec.leaderWorkerTemplate.leaderTemplate.spec.containers[0];
  const script = expandVariables(leader?.args[0] ?? '', KUBERNETES_VARIABLES, (name) => `<${name}>`).text;
  expectEqual(file, 'leader command', shellArgv(script), [
    'bash',
    '/vllm-workspace/examples/online_serving/multi-node-serving.sh',
    'leader',
    '--ray_cluster_size=<LWS_GROUP_SIZE>',
    '&&',
    'exec',
    ...launch.scriptCommand,
  ]);
}

const TEXT = `${MERMAID_TEXT_CHARACTER}+`;
const LABEL = `"${TEXT}"`;
/** A quadrantChart coordinate as its lexer reads one: `1`, or `0` with optional decimals. */
const COORDINATE = '(?:1|0(?:\\.\\d+)?)';

/** The only lines each diagram gpuplan writes may hold (charts.ts), after its first line. */
const MERMAID_LINES: Record<string, RegExp[]> = {
  'pie showData': [new RegExp(`^    title ${TEXT}$`, 'u'), new RegExp(`^    ${LABEL} : \\d+\\.\\d+$`, 'u')],
  quadrantChart: [new RegExp(`^    title ${TEXT}$`, 'u'), new RegExp(`^    [xy]-axis ${LABEL}(?: --> ${LABEL})?$`, 'u'), new RegExp(`^    ${LABEL}: \\[${COORDINATE}, ${COORDINATE}\\]$`, 'u')],
};

/** The ```mermaid blocks of a Markdown file, each as its lines; other fenced blocks (log lines, commands) are skipped whole. */
function mermaidBlocks(file: string, text: string): string[][] {
  const blocks: string[][] = [];
  let open: { fence: number; lines: string[] | null } | null = null;
  for (const line of text.split('\n')) {
    const fence = /^(`{3,})(.*)$/.exec(line);
    if (!open) {
      if (fence) open = { fence: (fence[1] as string).length, lines: fence[2] === 'mermaid' ? [] : null };
    } else if (fence && (fence[1] as string).length >= open.fence && (fence[2] as string).trim() === '') {
      if (open.lines) blocks.push(open.lines);
      open = null;
    } else open.lines?.push(line);
  }
  if (open) throw new RenderError(`${file}: a code block is not closed`);
  return blocks;
}

/**
 * PLAN.md's charts: exactly the blocks charts.ts made, and each one only lines of the kinds its
 * diagram takes, with text limited to mermaidText's characters (so quotes balance and no
 * directive, comment or entity reaches Mermaid); pie labels distinct (Mermaid drops repeats).
 */
function verifyMermaid(file: string, text: string, view: DeployView): void {
  const blocks = mermaidBlocks(file, text);
  expectEqual(
    file,
    'mermaid blocks',
    blocks,
    [view.memoryChart, view.costSpeedChart].filter((b) => b !== null),
  );
  for (const [first, ...rest] of blocks) {
    const kinds = MERMAID_LINES[first ?? ''];
    if (!kinds) throw new RenderError(`${file}: a mermaid block starts ${JSON.stringify(first)}, not a diagram gpuplan writes`);
    const stray = rest.find((line) => !kinds.some((kind) => kind.test(line)));
    if (stray !== undefined) throw new RenderError(`${file}: the ${first} block holds ${JSON.stringify(stray)}, which is not a line gpuplan writes there`);
    const labels = rest.filter((line) => line.startsWith('    "')).map((line) => line.slice(0, line.lastIndexOf('"') + 1));
    if (first === 'pie showData' && new Set(labels).size !== labels.length) throw new RenderError(`${file}: the pie repeats a label, and Mermaid would drop the slice`);
  }
}

/** Throws RenderError unless every file parses back to what the plan says. */
export function verifyRendered(files: readonly RenderedFile[], view: DeployView): void {
  const { launch } = view;
  for (const arg of [...launch.scriptCommand, ...launch.containerArgs]) {
    if (arg === '') throw new RenderError(`an empty argument in ${JSON.stringify(launch.scriptCommand)}`);
  }
  for (const { path, content } of files) {
    // A value that would reach a terminal raw when someone runs `cat` on the file (ESC sequences, bidi overrides): refused.
    const unsafe = firstUnsafeCharacter(content.replace(/\t/g, ' '));
    if (unsafe) throw new RenderError(`${path}: a value holds the control character ${unsafe}, which no deploy file should carry`);
    if (path === 'docker-compose.yml') verifyCompose(path, content, view);
    else if (path.endsWith('.sh')) verifyScript(path, content, launch);
    else if (path === 'Modelfile') verifyModelfile(path, content, launch);
    else if (path === 'lws.yaml') verifyLeaderWorkerSet(path, content, launch, view.nodeReplicas);
    else if (path === 'PLAN.md') verifyMermaid(path, content, view);
    else if (path === LOAD_BALANCER_FILE) expectEqual(path, 'upstream config', content.slice(content.indexOf('\n') + 1), view.replicas?.config);
    else if (path === 'plan.json') expectEqual(path, 'plan', (JSON.parse(content) as { plan: unknown }).plan, JSON.parse(JSON.stringify(view.plan)));
  }
}
