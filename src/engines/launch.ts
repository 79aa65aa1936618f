/**
 * A server launch as data: the program, its arguments (model, the plan's settings as
 * flags, network), the environment, port and health endpoint. Each engine builds its
 * own (`Engine.launch`); the templates only quote and lay these out.
 */
import type { Gpu } from '../catalog/schema.js';

/** Port the OpenAI-compatible servers are told to listen on (vLLM's default; passed explicitly to the others). */
export const SERVE_PORT = 8000;

export interface EnvVar {
  name: string;
  value: string;
}

export type WeightsSource =
  /**
   * A Hugging Face repo; `quantTag` picks the GGUF files inside it (`repo:Q4_K_M`); `revision`
   * pins a branch, tag or commit (null: the default branch).
   */
  | { kind: 'hf'; repo: string; quantTag: string | null; revision: string | null }
  /** A model in the Ollama library (`deepseek-r1:7b`). */
  | { kind: 'library'; tag: string }
  /**
   * A checkpoint directory or GGUF file on the serving machine. Containers get its
   * directory (`mountDir`) bind-mounted read-only at /model, so the model is `containerPath`.
   */
  | { kind: 'local'; path: string; mountDir: string; containerPath: string };

/** Inside containers a local checkpoint is mounted here, read-only. */
export const CONTAINER_MODEL_DIR = '/model';

export interface LaunchInput {
  settings: Record<string, string | number | boolean>;
  source: WeightsSource;
  servedName: string;
  /** Machines one server spans (a plan's nodes, or 1 when each node runs its own copies). */
  nodes: number;
  vendor: Gpu['vendor'];
  /** The artifact as the plan names it, for error messages. */
  artifactSource: string | null;
}

export interface Launch {
  /** The compose service that runs the server. */
  service: string;
  /** The server program inside the container (set as the compose entrypoint, so the image's default does not matter). */
  entrypoint: string[];
  /** Arguments after the entrypoint, inside the container. */
  containerArgs: string[];
  /** Extra arguments each node of a multi-node launch adds (`<NAME>` stands for a Compose variable). */
  nodeArgs: string[];
  /** The same server on a machine without Docker: program and arguments. */
  scriptCommand: string[];
  port: number;
  healthPath: string;
  /** The compose healthcheck's test: what the image has to probe the health path with. */
  healthcheck: string[];
  /** Environment the engine needs besides HF_TOKEN, wherever it runs. */
  env: EnvVar[];
  /** Environment only the container needs (cache locations inside the image). */
  containerEnv: EnvVar[];
  /** Where the engine keeps downloaded weights inside the container. */
  cacheDir: string;
  /** A local checkpoint to bind-mount read-only. */
  localModel: { hostDir: string; containerDir: string } | null;
  servedName: string;
  /** Several nodes form a Ray cluster first (vLLM), so compose has head and worker services. */
  rayCluster: boolean;
  /** Ollama: what the Modelfile says; the server is created from it. */
  modelfile: { from: string; parameters: EnvVar[] } | null;
}

/** `--name value` for every setting, `--name` alone for true, nothing for false. */
export function settingFlags(settings: LaunchInput['settings']): string[] {
  return Object.entries(settings).flatMap(([name, value]) => {
    if (value === false) return [];
    return value === true ? [`--${name}`] : [`--${name}`, String(value)];
  });
}

export const LISTEN_ARGS = ['--host', '0.0.0.0', '--port', String(SERVE_PORT)] as const;

export function localMount(source: WeightsSource): Launch['localModel'] {
  return source.kind === 'local' ? { hostDir: source.mountDir, containerDir: CONTAINER_MODEL_DIR } : null;
}

/** The model as a server's command line names it: a hub repo, or the local path (inside the container or on the host). */
export function modelPath(source: WeightsSource, inContainer: boolean, engineName: string): string {
  switch (source.kind) {
    case 'hf':
      return source.repo;
    case 'local':
      return inContainer ? source.containerPath : source.path;
    case 'library':
      throw new Error(`the Ollama library model ${source.tag} cannot be served by ${engineName}`);
  }
}

/**
 * `--revision REV` for a pinned hub revision: vLLM (EngineArgs.revision) and SGLang
 * (ServerArgs.revision) both take it, in every recorded release (catalogs/engine-flags/).
 */
function revisionArgs(source: WeightsSource): string[] {
  return source.kind === 'hf' && source.revision !== null ? ['--revision', source.revision] : [];
}

/**
 * What vLLM and SGLang take alike: the model (after `modelFlag` where the engine names it), its
 * pinned revision, the served name, the settings and where to listen.
 */
export function safetensorsServerArgs(input: LaunchInput, engineName: string, modelFlag: string | null, inContainer: boolean): string[] {
  return [
    ...(modelFlag ? [modelFlag] : []),
    modelPath(input.source, inContainer, engineName),
    ...revisionArgs(input.source),
    '--served-model-name',
    input.servedName,
    ...settingFlags(input.settings),
    ...LISTEN_ARGS,
  ];
}

/**
 * llama.cpp's `-hf repo:QUANT` and Ollama's `hf.co/repo:QUANT` pull a repo's default branch and
 * take no revision: a pinned one cannot be honoured, so it is refused rather than dropped.
 */
export function refusePinnedRevision(source: WeightsSource, engineName: string): void {
  if (source.kind === 'hf' && source.revision !== null) throw new Error(`${engineName} pulls hf:${source.repo} from its default branch and cannot pin revision ${source.revision}`);
}

/** A healthcheck with Python (the vLLM and SGLang images have no curl). */
export function pythonHealthcheck(port: number, path: string): string[] {
  return ['CMD', 'python3', '-c', `import urllib.request; urllib.request.urlopen('http://localhost:${port}${path}')`];
}

export function curlHealthcheck(port: number, path: string): string[] {
  return ['CMD', 'curl', '-fsS', `http://localhost:${port}${path}`];
}
