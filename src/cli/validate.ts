import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { glob } from 'tinyglobby';
import { loadCatalog } from '../catalog/catalog.js';
import { modelFromConfigFile } from '../catalog/config-file.js';
import { findGpu } from '../catalog/lookup.js';
import type { ModelSpec } from '../catalog/model.js';
import type { HardwareHint } from '../validate/deployment-check.js';
import type { ValidateResult } from '../validate/finding.js';
import { formatResult, type Format } from '../validate/report.js';
import { LAUNCH_MARKER } from '../validate/python.js';
import { createValidator, type FileKind, type FileReport, MAX_FILE_BYTES, validateFile } from '../validate/validate.js';
import { UserError } from '../util/errors.js';
import { VERSION } from '../version.js';
import { parseEngineVersions } from './engine-options.js';
import { EXIT, type Io } from './main.js';

export interface ValidateOptions {
  gpus?: string;
  gpu?: string;
  format: Format;
  verbose?: boolean;
  /** Fail (exit 1) when a file runs nothing gpuplan recognises. */
  strict?: boolean;
  catalog?: string;
  engineVersion?: string[];
}

/** Files a directory holds that can be deployment files. */
const DEPLOY_PATTERNS = ['**/*.{yml,yaml,sh,bash}', '**/.dstack.yml', '**/Modelfile*', '**/*.modelfile'];
const IGNORED = ['**/node_modules/**', '**/.git/**'];

function isPythonLauncher(file: string): boolean {
  try {
    const stat = statSync(file);
    return stat.size <= MAX_FILE_BYTES && LAUNCH_MARKER.test(readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
}

/** The model of a checkpoint directory on this machine, from its config.json; null when there is none or it cannot be read. */
function readCheckpointConfig(catalog: Awaited<ReturnType<typeof loadCatalog>>, dir: string): ModelSpec | null {
  const path = dir.endsWith('config.json') ? dir : join(dir, 'config.json');
  try {
    if (!statSync(path).isFile() || statSync(path).size > MAX_FILE_BYTES) return null;
    return modelFromConfigFile(catalog, path);
  } catch {
    // Not there, not JSON, or an architecture gpuplan cannot read: the launch falls back to the catalog by name.
    return null;
  }
}

/** Paths, directories (searched for deployment files and Python launchers) and globs → files, in a stable order. */
export async function expandPaths(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    let isDir = false;
    try {
      isDir = statSync(path).isDirectory();
      if (!isDir) {
        files.push(path);
        continue;
      }
    } catch {
      if (!/[*?[{]/.test(path)) throw new UserError(`"${path}": no such file or directory`);
      const matched = await glob(path, { ignore: IGNORED, onlyFiles: true, expandDirectories: false });
      if (matched.length === 0) throw new UserError(`"${path}": the pattern matches no files`);
      files.push(...matched.sort());
      continue;
    }
    const dir = path.replace(/\/+$/, '');
    // Symbolic links are not followed: a link to / would walk the whole disk.
    const walk = { cwd: path, ignore: IGNORED, onlyFiles: true, followSymbolicLinks: false } as const;
    const found = await glob(DEPLOY_PATTERNS, { ...walk, caseSensitiveMatch: false });
    // Python files are deployment files only when they launch a server (most are application code).
    const python = (await glob('**/*.py', walk)).filter((f) => isPythonLauncher(`${dir}/${f}`));
    files.push(...[...found, ...python].sort().map((f) => `${dir}/${f}`));
  }
  return [...new Set(files)];
}

/** Kinds that are deployment files even when gpuplan checks no launch in them (a Helm template, a compose file of other services). */
const DEPLOYMENT_KINDS: ReadonlySet<FileKind> = new Set(['compose', 'kubernetes', 'launcher-task', 'helm-values', 'helm-template', 'modelfile', 'server-config']);

function deploysSomething(report: FileReport): boolean {
  return report.launches > 0 || DEPLOYMENT_KINDS.has(report.kind);
}

/** `--gpus 8xA100-80G` or `--gpu h100-sxm`: the hardware the files will run on. */
function hardwareHint(catalog: Awaited<ReturnType<typeof loadCatalog>>, o: ValidateOptions): HardwareHint | null {
  if (o.gpus) {
    // × as \u00d7: the CLI's bundle stays ASCII (scripts/bundle.mjs).
    const match = /^(\d+)\s*[x\u00d7]\s*(.+)$/i.exec(o.gpus.trim());
    if (!match?.[1] || !match[2]) throw new UserError(`option --gpus "${o.gpus}": expected COUNTxGPU, e.g. 8xA100-80G`);
    return { gpu: findGpu(catalog, match[2]), count: Number(match[1]) };
  }
  return o.gpu ? { gpu: findGpu(catalog, o.gpu), count: null } : null;
}

export async function runValidate(paths: string[], o: ValidateOptions, io: Io): Promise<number> {
  const catalog = await loadCatalog(o.catalog);
  const versions = await parseEngineVersions(o.engineVersion ?? []);
  const validator = createValidator(catalog, hardwareHint(catalog, o), versions, (dir) => readCheckpointConfig(catalog, dir));
  const files = await expandPaths(paths);
  if (files.length === 0) {
    throw new UserError(
      `no deployment files in ${paths.map((p) => `"${p}"`).join(', ')} (looked for *.yml, *.yaml, *.sh, *.bash, Modelfile*, *.modelfile, .dstack.yml and Python files that launch a server)`,
    );
  }
  const reports = files.map((file) => {
    let content: Buffer;
    let size: number;
    try {
      const stat = statSync(file);
      if (!stat.isFile()) throw new UserError(`"${file}": not a regular file`);
      size = stat.size;
      // Past the limit the file is reported, not read: /dev/zero-sized input must not exhaust memory.
      content = size > MAX_FILE_BYTES ? Buffer.alloc(0) : readFileSync(file);
    } catch (error) {
      if (error instanceof UserError) throw error;
      throw new UserError(`"${file}": cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    return validateFile(file, content, validator, size);
  });
  const findings = reports.flatMap((r) => r.findings);
  const result: ValidateResult = {
    gpuplanVersion: VERSION,
    files: reports.map(({ file, kind, launches, notUnderstood }) => ({ file, kind, launches, notUnderstood })),
    findings,
    errors: findings.filter((f) => f.severity === 'error').length,
    warnings: findings.filter((f) => f.severity === 'warning').length,
    notUnderstood: reports.filter((r) => r.notUnderstood !== null).length,
  };
  io.out(formatResult(result, o.format, o.verbose ?? false));
  // A CI gate pointed at files that run nothing would pass on nothing: that is bad input, not success.
  if (result.errors === 0 && !reports.some(deploysSomething)) {
    throw new UserError(`nothing to check: ${files.length} file(s) read and none runs a server gpuplan knows (--verbose says what each is)`);
  }
  return result.errors > 0 || (o.strict && result.notUnderstood > 0) ? EXIT.no : EXIT.ok;
}
