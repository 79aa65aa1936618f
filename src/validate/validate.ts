/**
 * `gpuplan validate`: one file's text → what it is, the server launches in it, and
 * the findings. Reading the files and printing are the CLI's job (cli/validate.ts).
 */
import { basename, dirname, extname } from 'node:path';
import type { Catalog } from '../catalog/catalog.js';
import type { ModelSpec } from '../catalog/model.js';
import type { EngineId } from '../engines/ids.js';
import { DESCRIPTORS, descriptorOf, engineRelease } from '../engines/registry.js';
import { findFlag, type OllamaSpec } from '../engines/flags.js';
import { composeSchemaError } from '../formats/compose.js';
import { composeRun, type OllamaService } from './compose.js';
import { checkDeployment, type HardwareHint } from './deployment-check.js';
import { Findings, type Finding } from './finding.js';
import { parseFlags } from './flags-check.js';
import { kubernetesLaunches } from './kubernetes.js';
import { launcherTaskLaunches } from './launcher-task.js';
import { launchOfArgs, type LaunchContext, type ServerLaunch, type Token } from './launch.js';
import { checkModelfile, checkOllamaEnvironment } from './ollama-check.js';
import { isProductionStackValues, productionStackLaunches } from './production-stack.js';
import { pythonLaunches } from './python.js';
import { scriptLaunches } from './script.js';
import { nodeAt, readYaml, toData, type YamlSource } from './yaml-source.js';

/**
 * Deployment files are small (the largest of the 144 real files in
 * test/fixtures/validate/wild is 66 KB); a larger file is not one, and parsing it
 * (YAML reads about 1 MB/s) would slow CI down.
 */
export const MAX_FILE_BYTES = 256 * 1024;

export type FileKind = 'compose' | 'kubernetes' | 'script' | 'python' | 'launcher-task' | 'helm-values' | 'modelfile' | 'server-config' | 'helm-template' | 'yaml' | 'unreadable';

export interface FileReport {
  file: string;
  kind: FileKind;
  launches: number;
  /** Why nothing in the file could be checked, or null. */
  notUnderstood: string | null;
  findings: Finding[];
}

/**
 * Go-template actions of a Helm chart (`{{ .Values.x }}`, `{{- include … }}`). KServe's runtime
 * placeholders (`{{.Name}}` in a ServingRuntime's args) are values, not Helm: they do not count.
 */
const HELM_TEMPLATE = /\{\{-?\s*(\.(Values|Release|Chart|Capabilities|Files|Template)\b|\$|include\b|template\b|if\b|else\b|end\b|range\b|with\b|define\b|toYaml\b|tpl\b|default\b|required\b)/;

/** Why a file with no launch gpuplan could check was not understood, or null when it was (or is broken, which its errors say). */
function notUnderstoodReason(kind: FileKind, launches: number, findings: Findings): string | null {
  if (launches > 0 || kind === 'modelfile' || kind === 'unreadable' || findings.list.some((f) => f.severity === 'error')) return null;
  switch (kind) {
    case 'compose':
      return 'no service runs vLLM, SGLang, llama.cpp or Ollama in a way gpuplan recognises (image and command)';
    case 'kubernetes':
      return 'no container runs vLLM, SGLang, llama.cpp or Ollama in a way gpuplan recognises (image, command and args)';
    case 'script':
      return 'no server launch (vllm serve, python -m vllm/sglang…, llama-server, docker run …) found';
    case 'helm-values':
      return 'production-stack values with no modelSpec';
    case 'launcher-task':
      return 'a SkyPilot or dstack task whose script starts no server gpuplan recognises';
    case 'python':
      return 'no command string or argv list that starts vllm serve, sglang.launch_server or llama-server (outside docstrings and print/log calls)';
    case 'helm-template':
      return 'a Helm template: render it first (helm template … > out.yaml) and validate the output (a template a controller fills in, such as KServe’s LLMInferenceServiceConfig, is checked through what it produces)';
    default:
      return 'neither a compose file, a Kubernetes manifest, a script nor a Modelfile';
  }
}

/** What every file is checked against: the catalog, the hardware, and which engine releases to read launches as. */
export interface Validator {
  catalog: Catalog;
  /** Releases the user named (`--engine-version vllm=0.11.0`); they win over the image tag and the default. */
  versions: Partial<Record<EngineId, string>>;
  ollama: OllamaSpec;
  hint: HardwareHint | null;
  /** Reads a checkpoint directory's config.json on this machine (the CLI's I/O); null: local paths match by name only. */
  readLocalModel: ((checkpointDir: string) => ModelSpec | null) | null;
}

/** Throws UserError for a release an engine does not have. */
export function createValidator(catalog: Catalog, hint: HardwareHint | null, versions: Partial<Record<EngineId, string>> = {}, readLocalModel: Validator['readLocalModel'] = null): Validator {
  for (const [id, version] of Object.entries(versions)) engineRelease(id as EngineId, version);
  const ollama = descriptorOf('ollama');
  const spec = ollama.ollamaSpec(versions.ollama ?? ollama.defaultVersion);
  if (!spec) throw new Error('Ollama has no Modelfile spec');
  return { catalog, versions, ollama: spec, hint, readLocalModel };
}

export function isModelfileName(file: string): boolean {
  return /^modelfile/i.test(basename(file)) || extname(file).toLowerCase() === '.modelfile';
}

/** An Ollama container's variables, read as the release `--engine-version` names, else its image tag's, else the default. */
function checkOllamaService(service: OllamaService, v: Validator, findings: Findings): void {
  const tagged = v.versions.ollama === undefined && service.version !== null ? descriptorOf('ollama').ollamaSpec(service.version) : null;
  checkOllamaEnvironment(service, tagged ?? v.ollama, v.versions.ollama !== undefined || tagged !== null, findings);
}

function checkLaunches(launches: readonly ServerLaunch[], v: Validator, findings: Findings): void {
  const local = v.readLocalModel ? { dir: dirname(findings.file), read: v.readLocalModel } : null;
  for (const raw of launches) {
    // `vllm serve --help`, `llama-server -h`: prints the options and exits, nothing is served.
    if (raw.args.some((t) => t.text === '--help' || t.text === '-h')) continue;
    const named = v.versions[raw.engine];
    const launch = { ...raw, version: named ?? raw.version, pinned: raw.pinned || named !== undefined };
    const descriptor = descriptorOf(launch.engine);
    const set = descriptor.flagSet(launch.version);
    if (!set || !descriptor.commandLine) continue;
    const flags = parseFlags(launch, set, descriptor.commandLine.syntax, findings, engineRelease(launch.engine, launch.version).release.flagSetExact);
    checkDeployment(launch, flags, v.catalog, v.hint, findings, local);
  }
}

function checkYaml(text: string, v: Validator, findings: Findings): { kind: FileKind; launches: number } {
  const source = readYaml(text);
  const docs: Record<string, unknown>[] = [];
  const indexes: number[] = [];
  for (const [index, doc] of source.docs.entries()) {
    const read = toData(doc);
    if ('error' in read) {
      findings.add('error', (read.offset !== null ? source.lineAt(read.offset) : source.line(doc.contents)) || 1, 'yaml', `not valid YAML: ${read.error}`);
      return { kind: 'yaml', launches: 0 };
    }
    if (read.data !== null && typeof read.data === 'object' && !Array.isArray(read.data)) {
      docs.push(read.data as Record<string, unknown>);
      indexes.push(index);
    }
  }
  const first = docs[0];
  if (first && typeof first.services === 'object' && first.services !== null && docs.length === 1) {
    const schema = composeSchemaError(first);
    if (schema) findings.add('error', 0, 'compose-schema', `not a valid compose file (Compose Specification schema): ${schema}`);
    const run = composeRun(source, first, findings);
    checkLaunches(run.launches, v, findings);
    for (const service of run.ollama) checkOllamaService(service, v, findings);
    return { kind: 'compose', launches: run.launches.length + run.ollama.length };
  }
  if (docs.some((d) => typeof d.apiVersion === 'string' && typeof d.kind === 'string')) {
    const ollama: OllamaService[] = [];
    const launches = kubernetesLaunches(source, docs, indexes, findings, ollama);
    checkLaunches(launches, v, findings);
    for (const pod of ollama) checkOllamaService(pod, v, findings);
    return { kind: 'kubernetes', launches: launches.length + ollama.length };
  }
  if (first && docs.length === 1 && isProductionStackValues(first)) {
    const launches = productionStackLaunches(first, source);
    checkLaunches(launches, v, findings);
    return { kind: 'helm-values', launches: launches.length };
  }
  const task = first && docs.length === 1 ? launcherTaskLaunches(first, source, findings) : null;
  if (task) {
    checkLaunches(task, v, findings);
    return { kind: 'launcher-task', launches: task.length };
  }
  const config = first && docs.length === 1 ? serverConfigLaunch(source, first) : null;
  if (config) {
    checkLaunches([config], v, findings);
    return { kind: 'server-config', launches: 1 };
  }
  return { kind: 'yaml', launches: 0 };
}

/**
 * A server's YAML config file (`vllm serve --config config.yaml`: option names as keys,
 * `tensor-parallel-size: 2`), recognised when most of its keys are one engine's options:
 * read as the launch `--key value …` it stands for.
 */
function serverConfigLaunch(source: YamlSource, doc: Record<string, unknown>): ServerLaunch | null {
  const keys = Object.keys(doc);
  if (keys.length < 2 || keys.some((k) => doc[k] !== null && typeof doc[k] === 'object' && !Array.isArray(doc[k]))) return null;
  for (const descriptor of DESCRIPTORS) {
    const set = descriptor.commandLine ? descriptor.flagSet(descriptor.defaultVersion) : null;
    if (!set || !descriptor.commandLine) continue;
    const known = keys.filter((k) => findFlag(set, `--${k.replaceAll('_', '-')}`, descriptor.commandLine?.syntax ?? { underscores: true, prefixes: false }) !== null);
    if (known.length < 2 || known.length / keys.length < 0.6) continue;
    const root = source.docs[0]?.contents ?? null;
    const args: Token[] = keys.flatMap((key) => {
      const line = source.line(nodeAt(root, [key]));
      const value = doc[key];
      const flag = { text: `--${key.replaceAll('_', '-')}`, line };
      if (value === true) return [flag];
      if (value === false || value === null) return [];
      const values = Array.isArray(value) ? value.map(String) : [String(value)];
      return [flag, ...values.map((text) => ({ text, line }))];
    });
    const context: LaunchContext = { container: false, gpus: null, nodes: 1, sharedMemory: null, portPublished: null, planned: null, where: 'config file' };
    return launchOfArgs(descriptor.id, args, false, 1, context);
  }
  return null;
}

/** Validates one file's content. Never throws for bad content: every problem is a finding. */
/** `size`: the file's length, when the caller did not read a file that is too large. */
export function validateFile(file: string, content: Buffer, v: Validator, size = content.length): FileReport {
  const findings = new Findings(file);
  const rank = { error: 0, warning: 1, info: 2 } as const;
  let text = '';
  const report = (kind: FileKind, launches = 0): FileReport => ({
    file,
    kind,
    launches,
    notUnderstood: notUnderstoodReason(kind, launches, findings),
    findings: [...findings.list].sort((a, b) => a.line - b.line || rank[a.severity] - rank[b.severity]),
  });
  if (size > MAX_FILE_BYTES) {
    // A note, not an error: a directory may hold a large YAML (an OpenAPI spec) that deploys nothing.
    findings.add('info', 0, 'too-large', `${Math.ceil(size / 1024)} KB is not a deployment file (limit ${MAX_FILE_BYTES / 1024} KB): not checked`);
    return report('unreadable');
  }
  if (content.subarray(0, 8192).includes(0)) {
    findings.add('error', 0, 'binary', 'a binary file, not a compose file, script, Modelfile or manifest: not checked');
    return report('unreadable');
  }
  text = content.toString('utf8').replace(/^\uFEFF/, '');
  if (text.trim() === '') {
    findings.add('warning', 0, 'empty', 'empty file');
    return report('unreadable');
  }
  const ext = extname(file).toLowerCase();
  // Before the Modelfile test: `from x import y` is Python, not a FROM instruction.
  if (!isModelfileName(file) && (ext === '.py' || /^#!.*\bpython/.test(text))) {
    const launches = pythonLaunches(text, findings, { container: false, gpus: null, nodes: 1, sharedMemory: null, portPublished: null, planned: null, where: 'Python launcher' });
    checkLaunches(launches, v, findings);
    return report('python', launches.length);
  }
  if (isModelfileName(file) || /^\s*FROM\s/i.test(text)) return report('modelfile', checkModelfile(content, v.ollama, findings));
  if (ext === '.sh' || ext === '.bash' || text.startsWith('#!')) {
    const ollama: OllamaService[] = [];
    const launches = scriptLaunches(text, findings, { container: false, gpus: null, nodes: 1, sharedMemory: null, portPublished: null, planned: null, where: 'script' }, 1, ollama);
    checkLaunches(launches, v, findings);
    for (const server of ollama) checkOllamaService(server, v, findings);
    return report('script', launches.length + ollama.length);
  }
  // A Helm template is not YAML until rendered: say so instead of reporting template syntax as YAML errors.
  if (HELM_TEMPLATE.test(text)) return report('helm-template');
  try {
    const { kind, launches } = checkYaml(text, v, findings);
    return report(kind, launches);
  } catch (error) {
    // A YAML reader limit (alias expansion, nesting) on hostile input: a finding, not a crash.
    findings.add('error', 0, 'yaml', `could not read the file: ${(error as Error).message.split('\n')[0]}`);
    return report('unreadable');
  }
}
