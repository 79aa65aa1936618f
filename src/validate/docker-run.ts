/**
 * `docker run … IMAGE ARGS` (and podman) in scripts, the way the engines' docs start
 * servers: the image's server gets ARGS; --gpus, --ipc/--shm-size and -p say what the
 * container has.
 */
import { containerRun } from './container.js';
import type { Findings } from './finding.js';
import type { OllamaService } from './compose.js';
import { bindMount, GPU_DEVICE, type LaunchContext, type ServerLaunch, type Token } from './launch.js';

/** docker run options that take no value (the rest take one, as the next word or after `=`). */
const FLAGS_WITHOUT_VALUE = new Set([
  '-d',
  '--detach',
  '-i',
  '--interactive',
  '-t',
  '--tty',
  '-it',
  '-ti',
  '-dit',
  '--rm',
  '--privileged',
  '--init',
  '-P',
  '--publish-all',
  '--read-only',
  '--sig-proxy',
  '--no-healthcheck',
  '-q',
  '--quiet',
  '--oom-kill-disable',
  '--disable-content-trust',
  '--use-api-socket',
]);

function gpusOf(value: string): number | 'all' {
  if (value === 'all' || /(^|,)count=all/.test(value)) return 'all';
  const device = /device=([\d,]+)/.exec(value);
  if (device?.[1]) return device[1].split(',').length;
  const count = /^(?:count=)?(\d+)$/.exec(value);
  return count?.[1] ? Number(count[1]) : 'all';
}

/** `ollama`: where an Ollama server the command starts is added (its `-e OLLAMA_*` variables are checked like a service's). */
export function dockerRunLaunches(argv: readonly Token[], findings: Findings, ollama: OllamaService[] = []): ServerLaunch[] | null {
  const runAt = argv.findIndex((t, i) => /(^|\/)(docker|podman)$/.test(t.text) && argv[i + 1]?.text === 'run');
  if (runAt < 0) return null;
  const context: LaunchContext = {
    container: true,
    gpus: null,
    nodes: 1,
    sharedMemory: false,
    portPublished: false,
    containerPorts: [],
    planned: null,
    where: 'docker run',
    mounts: [],
    ownNetwork: true,
  };
  let entrypoint: Token[] | null = null;
  const environment: OllamaService['environment'] = {};
  let i = runAt + 2;
  for (; i < argv.length; i++) {
    const token = argv[i] as Token;
    if (!token.text.startsWith('-')) break;
    const [name = '', inline] = token.text.split(/=(.*)/s);
    const takesValue = !FLAGS_WITHOUT_VALUE.has(name) && !/^-[a-zA-Z]{2,}$/.test(name);
    const value = inline ?? (takesValue ? (argv[++i]?.text ?? '') : '');
    if (name === '--gpus') context.gpus = gpusOf(value);
    else if (name === '--runtime' && value === 'nvidia' && context.gpus === null) context.gpus = 'all';
    else if ((name === '--ipc' && value === 'host') || name === '--shm-size') context.sharedMemory = true;
    else if (name === '-p' || name === '--publish') {
      context.portPublished = true;
      const target = value.split('/')[0]?.split(':').pop() ?? '';
      if (context.containerPorts && /^\d+$/.test(target)) context.containerPorts.push(Number(target));
      else context.containerPorts = null;
    } else if ((name === '--network' || name === '--net') && (value === 'host' || value.startsWith('container:'))) {
      // The host's or another container's network namespace: loopback is shared.
      context.ownNetwork = false;
      if (value === 'host') {
        context.portPublished = true;
        context.containerPorts = null;
      }
    } else if (name === '-P' || name === '--publish-all') {
      context.portPublished = true;
      context.containerPorts = null;
    } else if (name === '--device' && GPU_DEVICE.test(value)) context.gpus = 'all';
    else if (name === '--entrypoint') entrypoint = [{ text: value, line: token.line }];
    else if (name === '-e' || name === '--env') {
      const [key = '', set] = value.split(/=(.*)/s);
      if (key) environment[key] = { value: set ?? '', line: token.line };
    } else if (name === '-v' || name === '--volume') {
      const mount = bindMount(value);
      if (mount) context.mounts?.push(mount);
    } else if (name === '--mount') {
      const fields = Object.fromEntries(value.split(',').map((kv) => kv.split('=') as [string, string]));
      const host = fields.source ?? fields.src;
      const target = fields.target ?? fields.destination ?? fields.dst;
      if (fields.type === 'bind' && host && target) context.mounts?.push({ host, container: target });
    }
  }
  const image = argv[i];
  if (!image) return [];
  const run = containerRun({ image: image.text, entrypoint, command: argv.slice(i + 1), line: image.line }, context, findings);
  if (run.ollama) ollama.push({ where: 'docker run', line: image.line, version: run.ollama.version, environment });
  return run.launches;
}
