/**
 * The fuzz suite's runners and the one invariant every case checks (issue 15).
 *
 * - `runInProcess`: `main(argv, io)` in this process, output captured: thousands of cheap cases.
 * - `runSpawned`: the shipped bundle (bin/gpuplan.cjs) in a child with hard limits, 200 MB of
 *   heap and 20 s, killed with SIGKILL: a hang or a heap exhaustion fails the case. The limits
 *   are guards, not performance assertions.
 *
 * Everything a case may write (cache, HOME, TMPDIR, relative paths) lands under one temp root.
 * `FUZZ_RUNS` multiplies every numRuns (`npm run fuzz` runs more).
 */
import { execFileSync, spawnSync, type StdioOptions } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, expect } from 'vitest';
import { main } from '../../src/cli/main.js';
import { BIN } from '../cli/run.js';

/** Multiplier of every numRuns: 1 in CI, more with `FUZZ_RUNS=10 npm run fuzz`. */
export const FUZZ = Math.max(1, Number(process.env.FUZZ_RUNS ?? 1) || 1);
export const runs = (n: number): number => Math.max(1, Math.round(n * FUZZ));
/**
 * The fast-check seed of assertReaches: fixed in the test suite, so whether a generator reaches
 * every exit code does not depend on the dice in CI; `FUZZ_SEED=random npm run fuzz` (or a number)
 * explores other cases.
 */
const FUZZ_SEED = process.env.FUZZ_SEED === 'random' ? undefined : Number(process.env.FUZZ_SEED ?? 20261130) || 20261130;
/** A vitest timeout that grows with the run count. */
export const budget = (ms: number): number => Math.round(ms * FUZZ) + 30_000;

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** This test file's temp root: cache, HOME, TMPDIR and the working directory of every case. */
export const ROOT = realpathSync(mkdtempSync(join(tmpdir(), 'gpuplan-fuzz-')));
export const XDG = join(ROOT, 'xdg');
const HOME = join(ROOT, 'home');
const CWD = join(ROOT, 'cwd');
for (const dir of [XDG, HOME, CWD]) mkdirSync(dir, { recursive: true });
process.env.XDG_CACHE_HOME = XDG;
process.env.HOME = HOME;
delete process.env.GPUPLAN_DEBUG;
// In-process cases run with relative paths resolved here, never in the repo.
process.chdir(CWD);
// No case may reach the network: an hf: model that is not cached fails at once, as offline.
globalThis.fetch = (async () => {
  throw new TypeError('fetch failed: the fuzz suite has no network');
}) as typeof fetch;

let counter = 0;
/** A fresh directory under the temp root for one case. */
export function caseDir(prefix = 'case'): string {
  const dir = join(ROOT, `${prefix}-${++counter}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export interface Outcome {
  argv: string[];
  /** The exit code; null when the process was killed. */
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** Why the runner itself failed (spawn error, timeout), if it did. */
  error?: string;
}

export async function runInProcess(argv: string[]): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { out: (t) => void (stdout += t), err: (t) => void (stderr += t) });
  return { argv, code, signal: null, stdout, stderr };
}

export const SPAWN_TIMEOUT_MS = 20_000;

/** The shipped bundle under a 200 MB heap and a 20 s SIGKILL: hangs and heap exhaustion fail the case. */
export function runSpawned(argv: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; stdio?: StdioOptions; input?: string } = {}): Outcome {
  const result = spawnSync(process.execPath, ['--max-old-space-size=200', BIN, ...argv], {
    cwd: options.cwd ?? CWD,
    encoding: 'utf8',
    timeout: SPAWN_TIMEOUT_MS,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
    stdio: options.stdio,
    input: options.input,
    env: { ...process.env, XDG_CACHE_HOME: XDG, HOME, TMPDIR: ROOT, GPUPLAN_DEBUG: '', ...options.env },
  });
  const error = result.error ? `${result.error.name}: ${result.error.message}` : undefined;
  return { argv, code: result.status, signal: result.signal, stdout: result.stdout ?? '', stderr: result.stderr ?? '', ...(error ? { error } : {}) };
}

const clip = (text: string, max = 1500) => (text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`);

/** The case, for a failure message: the argv, the input file's text, what came out. */
export function describeCase(o: Outcome, input?: string): string {
  return [
    `argv: ${clip(JSON.stringify(o.argv.map((a) => clip(a, 300))))}`,
    input !== undefined ? `input: ${clip(input)}` : null,
    `exit: ${o.code} signal: ${o.signal}${o.error ? ` runner error: ${o.error}` : ''}`,
    `stderr: ${clip(JSON.stringify(o.stderr))}`,
    `stdout: ${clip(JSON.stringify(o.stdout), 500)}`,
  ]
    .filter((l) => l !== null)
    .join('\n');
}

/** C0 controls but newline (tab included: an error line has none), DEL, C1 (ESC is C0). */
export const RAW_CONTROL_IN_ERROR = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
/** What no output may carry raw: C0 but tab and newline, DEL, C1. */
export const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const STACK_FRAME = /^\s+at /m;

/**
 * The invariant of every case: exit 0, 1 or 2 (never 70, a signal or none); exit 2 is one
 * `gpuplan: ` line on stderr without stack frames or raw control characters; no output
 * carries raw control characters or a stack; `--json` output (and `--format json`) parses
 * when the exit is 0 or 1 (unless the case did not read stdout: `stdoutSeen: false`).
 */
export function checkOutcome(o: Outcome, input?: string, allowed: readonly number[] = [0, 1, 2], options: { stdoutSeen?: boolean; json?: boolean } = {}): void {
  const fail = (why: string) => expect.fail(`${why}\n${describeCase(o, input)}`);
  if (o.code === null) fail(o.signal === 'SIGKILL' ? `killed after ${SPAWN_TIMEOUT_MS} ms (a hang) or by the OOM killer` : `killed by ${o.signal}`);
  if (!allowed.includes(o.code as number)) fail(`exit ${o.code}, expected one of ${allowed.join(', ')}${o.code === 70 ? ' (an internal error)' : ''}`);
  if (STACK_FRAME.test(o.stderr) || STACK_FRAME.test(o.stdout)) fail('a stack trace reached the output');
  if (RAW_CONTROL.test(o.stderr) || RAW_CONTROL.test(o.stdout)) fail('a raw control character reached the output');
  if (o.code === 2) {
    if (!/^gpuplan: [^\n]*\n?$/.test(o.stderr)) fail('exit 2 must print exactly one line starting "gpuplan: "');
    if (RAW_CONTROL_IN_ERROR.test(o.stderr.replace(/\n$/, ''))) fail('a raw control character in the error line');
  }
  const json = options.json ?? (o.argv.includes('--json') || o.argv.some((a, i) => a === '--format' && o.argv[i + 1] === 'json') || o.argv.includes('--format=json'));
  if (json && options.stdoutSeen !== false && (o.code === 0 || o.code === 1) && !o.argv.includes('--help') && !o.argv.includes('-h')) {
    try {
      JSON.parse(o.stdout);
    } catch (error) {
      fail(`--json output is not JSON: ${(error as Error).message}`);
    }
  }
}

/**
 * New untracked files in the repo and anything in $HOME, checked after the file: a case
 * that wrote outside its temp root fails here. TypeScript files are left out of the
 * repo check: they are a developer's edits made while the suite runs, never a case's.
 */
export function guardRepo(): void {
  let before = new Set<string>();
  const untracked = () =>
    new Set(
      execFileSync('git', ['ls-files', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' })
        .split('\n')
        .filter((f) => f !== '' && !f.endsWith('.ts')),
    );
  beforeAll(() => {
    before = untracked();
  });
  afterAll(() => {
    const added = [...untracked()].filter((f) => !before.has(f));
    const homeLeft = readdirSync(HOME);
    rmSync(ROOT, { recursive: true, force: true });
    expect(added, 'a fuzz case wrote into the repo').toEqual([]);
    expect(homeLeft, 'a fuzz case wrote into $HOME (outside $XDG_CACHE_HOME)').toEqual([]);
  });
}

/**
 * An in-process fuzz property: `run` executes and checks one case and returns its exit
 * codes; across the run the codes must include `reached` (the generator reaches both
 * sides, e.g. files that still read and files refused), so a generator that only ever
 * produces refusals cannot pass unnoticed.
 */
export async function assertReaches<T>(arbitrary: fc.Arbitrary<T>, numRuns: number, reached: readonly number[], run: (value: T) => Promise<(number | null)[]>): Promise<void> {
  const codes = new Set<number | null>();
  await fc.assert(
    fc.asyncProperty(arbitrary, async (value) => {
      for (const code of await run(value)) codes.add(code);
    }),
    { numRuns, ...(FUZZ_SEED === undefined ? {} : { seed: FUZZ_SEED }) },
  );
  expect([...codes]).toEqual(expect.arrayContaining([...reached]));
}
