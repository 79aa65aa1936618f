/** The server a container runs, from its image, entrypoint and command (compose and Kubernetes alike). */
import type { Findings } from './finding.js';
import { engineOfImage, findServer, launchFromArgv, launchOfArgs, type LaunchContext, type ServerLaunch, type Token } from './launch.js';
import { commandTokens, scriptLaunches } from './script.js';

export interface ContainerSpec {
  image: string | null;
  /** Overrides the image's entrypoint (compose `entrypoint`, Kubernetes `command`). */
  entrypoint: Token[] | null;
  /** Arguments to it (compose `command`, Kubernetes `args`). */
  command: Token[] | null;
  line: number;
}

export interface ContainerRun {
  launches: ServerLaunch[];
  /** The container runs an Ollama server: with the release its image tag names (null: untagged or unknown), or null when it runs none. */
  ollama: { version: string | null } | null;
}

const SHELL = /(^|\/)(ba|da|z)?sh$/;

/** A command given as one string (compose `command: "vllm serve …"`) split as Compose splits it. */
export function stringCommand(text: string, line: number): Token[] {
  return commandTokens(text, line);
}

/**
 * A command that names the server again after an image whose entrypoint already runs it
 * (`vllm/vllm-openai:latest vllm serve MODEL`): the image's server receives `vllm serve …`
 * as its own arguments and stops ("unrecognized arguments: serve").
 */
function repeatedServer(spec: ContainerSpec, image: ReturnType<typeof engineOfImage>, argv: readonly Token[], findings: Findings): void {
  if (!image?.run.server || spec.entrypoint || !spec.command?.length) return;
  const server = findServer(argv);
  if (!server || server.engine !== image.engine) return;
  const program = argv
    .slice(0, server.start)
    .map((t) => t.text)
    .join(' ');
  const first = argv[0] as Token;
  findings.add(
    'error',
    first.line,
    'repeated-server',
    `${spec.image} already runs the server; its command \`${program} …\` is passed to it as arguments, and the server stops on them (unrecognized arguments: ${argv[server.start - 1]?.text ?? program})`,
    `drop \`${program}\` from the command (give only the server's arguments), or set the entrypoint to it`,
  );
}

/**
 * Where the command string of `sh -c SCRIPT`, `bash -ec`, `bash -exc`, `bash -l -c`, `bash -lc -- SCRIPT`
 * sits: after the shell's options, one of which holds c, and an optional `--`.
 */
function shellScript(argv: readonly Token[]): { script: number } | null {
  const shellAt = argv.findIndex((t) => SHELL.test(t.text));
  if (shellAt < 0) return null;
  let i = shellAt + 1;
  let commandMode = false;
  for (; i < argv.length; i++) {
    const word = argv[i]?.text ?? '';
    if (word === '--') {
      i++;
      break;
    }
    if (word === '-o' || word === '+o') {
      i++; // `-o pipefail`
      continue;
    }
    if (!/^[-+][a-zA-Z]+$/.test(word)) break;
    if (word.startsWith('-') && word.includes('c')) commandMode = true;
  }
  return commandMode && i < argv.length ? { script: i } : null;
}

export function containerRun(spec: ContainerSpec, context: LaunchContext, findings: Findings): ContainerRun {
  const argv = [...(spec.entrypoint ?? []), ...(spec.command ?? [])];
  const shell = shellScript(argv);
  const script = shell ? argv[shell.script] : undefined;
  if (shell && script) {
    const image = spec.image ? engineOfImage(spec.image) : null;
    // `sh -c SCRIPT NAME ARG…`: NAME is $0 and the rest is "$@", which a launch in the script may pass on
    // (an entrypoint `bash -c '… exec vllm serve "$@"' --` with the flags in the command).
    const positional = argv.slice(shell.script + 2);
    const launches = scriptLaunches(script.text, findings, context, script.line).map((found) => {
      // The release the image's tag names applies to the server the script runs in it.
      const version = image?.engine === found.engine ? image.run.version : null;
      const launch = version ? { ...found, version, pinned: true } : found;
      const words = [...(launch.positionalModel ? [launch.positionalModel] : []), ...launch.args];
      const at = words.findIndex((t) => /^\$\$?(@|\{@\})$/.test(t.text));
      if (at < 0 || positional.length === 0) return launch;
      const spliced = [...words.slice(0, at), ...positional, ...words.slice(at + 1)];
      // As launchOfArgs reads them: the model may come first for `vllm serve "$@"`.
      const first = spliced[0];
      const model = launch.acceptsPositionalModel && first && !first.text.startsWith('-') ? first : null;
      return { ...launch, positionalModel: model, args: model ? spliced.slice(1) : spliced };
    });
    return { launches, ollama: /\bollama\s+serve\b/.test(script.text) ? { version: image?.engine === 'ollama' ? image.run.version : null } : null };
  }

  const image = spec.image ? engineOfImage(spec.image) : null;
  if (image?.run.cpuOnly && spec.image && context.gpus !== null) {
    findings.add(
      'warning',
      spec.line,
      'cpu-image',
      `${spec.image} is the CPU build of the server: the GPUs ${context.where} reserves stay unused and every layer runs on the CPU`,
      `${spec.image.replace(/:server(-b\d+)?$|$/, (m) => (m ? m.replace('server', 'server-cuda') : ':server-cuda'))}`,
    );
  }
  // The release the image tag names decides the flags; otherwise the engine's default release.
  const run = image?.run.cpuOnly ? { ...context, cpuImage: true } : context;
  const direct = launchFromArgv(argv, run, image?.run.version ?? null);
  if (direct) {
    repeatedServer(spec, image, argv, findings);
    return { launches: [direct], ollama: null };
  }

  if (!image || spec.entrypoint) return { launches: [], ollama: null };
  if (image.run.ollamaDaemon) return { launches: [], ollama: { version: image.run.version } };
  // The image's own entrypoint runs the server (when it runs one); the command holds only its arguments.
  if (!image.run.server) return { launches: [], ollama: null };
  if (!spec.command?.length) {
    // A sketch (`# … other config`) or a model set elsewhere (llama.cpp's LLAMA_ARG_* variables): nothing to read.
    findings.add(
      'info',
      spec.line,
      'no-arguments',
      `${spec.image} runs its server with no arguments: its settings come from elsewhere (llama.cpp's LLAMA_ARG_* variables, which gpuplan does not read, or the image) or it serves the engine's default model; nothing to check`,
      null,
    );
    return { launches: [], ollama: null };
  }
  return { launches: [launchOfArgs(image.engine, spec.command ?? [], image.run.server.positionalModel, spec.line, run, image.run.version)], ollama: null };
}
