import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/gpuplan.cjs', import.meta.url));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a CLI entry point (`bin`, another copy of the package's) as a user would; `env` adds to this process's. */
export function runBin(bin: string, args: string[], cwd?: string, env?: NodeJS.ProcessEnv): Run {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd, env: env ? { ...process.env, ...env } : undefined });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the built CLI (npm test builds first) as a user would. */
export function gpuplan(args: string[], cwd?: string, env?: NodeJS.ProcessEnv): Run {
  return runBin(BIN, args, cwd, env);
}
