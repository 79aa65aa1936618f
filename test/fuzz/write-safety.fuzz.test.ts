/**
 * Write safety of the shipped bundle (issue 15): concurrent writers, writers killed
 * mid-write, permissions from the umask, and file-system refusals as one-line errors.
 * Runs `node bin/gpuplan.cjs` as processes, because locks, crashes and umasks only exist there.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { shellWord } from '../../src/render/quote.js';
import { BIN, gpuplan, type Run } from '../cli/run.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'gpuplan-ws-'));

/** Four plans that write the same file names with different contents. */
const PLANS = [
  ['-m', 'llama-3.1-8b', '-b', '1xRTX4090'],
  ['-m', 'llama-3.1-8b', '-b', '1xH100'],
  ['-m', 'qwen2.5-7b', '-b', '1xRTX4090'],
  ['-m', 'qwen2.5-7b', '-b', '1xH100'],
] as const;
const FILES = ['PLAN.md', 'docker-compose.yml', 'plan.json', 'serve.sh'];

type FileSet = Record<string, string>;

/** Every entry of `dir` (hidden ones too) with its content. */
function readSet(dir: string): FileSet {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((name) => [name, readFileSync(join(dir, name), 'utf8')]),
  );
}

/** Which reference render `set` is, whole; -1 when it is a mix, incomplete, or has extra entries. */
function whichRender(set: FileSet, references: readonly FileSet[]): number {
  return references.findIndex((ref) => JSON.stringify(ref) === JSON.stringify(set));
}

/** `dir` holds nothing but a complete render, and no gpuplan temporary. */
function expectOneCompleteRender(dir: string, references: readonly FileSet[]): number {
  expect(readdirSync(dir).sort()).toEqual(FILES);
  const which = whichRender(readSet(dir), references);
  expect(which, 'the files come from one render').toBeGreaterThanOrEqual(0);
  return which;
}

function expectOneLineError(r: Run, pattern: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^gpuplan: /);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr).toMatch(pattern);
}

interface Started {
  child: ChildProcess;
  done: Promise<Run>;
  /** Resolves when stderr contains `text`. */
  said: (text: string) => Promise<void>;
}

/** Starts the CLI without waiting for it (spawnSync would run the writers one after another). */
function start(args: readonly string[], env: NodeJS.ProcessEnv = {}): Started {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  const waiting: { text: string; resolve: () => void }[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const w of waiting.filter((w) => stderr.includes(w.text))) w.resolve();
  });
  const done = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  const said = (text: string) =>
    new Promise<void>((resolve, reject) => {
      if (stderr.includes(text)) return resolve();
      waiting.push({ text, resolve });
      done.then((r) => reject(new Error(`exited ${r.code} before saying "${text}": ${r.stderr}`)));
    });
  return { child, done, said };
}

/** Runs a shell script; returns its exit code. */
function sh(script: string): number | null {
  return spawnSync('sh', ['-c', script], { stdio: 'inherit' }).status;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let references: FileSet[] = [];

beforeAll(() => {
  const base = tmp();
  references = PLANS.map((plan, i) => {
    const out = join(base, `ref-${i}`);
    expect(gpuplan(['plan', ...plan, '--out', out]).code).toBe(0);
    return readSet(out);
  });
  // The check below is only meaningful if the plans differ in every file.
  for (const name of FILES) expect(new Set(references.map((r) => r[name])).size).toBe(PLANS.length);
}, 30_000);

/**
 * Runs the commands at once: each starts its process now and waits (GPUPLAN_TEST_PAUSE_AT=start@T)
 * until a common moment before writing, so all of them reach the folder together instead of in
 * the order the processes happened to start. Their pause notes are dropped from stderr.
 */
async function race(commands: readonly (readonly string[])[]): Promise<Run[]> {
  const together = Date.now() + 600 * Math.ceil(commands.length / Math.max(1, availableParallelism()));
  const runs = await Promise.all(commands.map((args) => start(args, { GPUPLAN_TEST_PAUSE_AT: `start@${together}` }).done));
  return runs.map((r) => ({ ...r, stderr: r.stderr.replace(/^gpuplan: test pause at start\n/m, '') }));
}

describe('concurrent writers', () => {
  it('without --force exactly one of many wins; the others exit 2 with one line; the folder is that one render', async () => {
    for (let round = 0; round < 2; round++) {
      // Round 0 races on creating the folder, the others on an empty existing one.
      const out = join(tmp(), 'deploy');
      if (round > 0) mkdirSync(out);
      const writers = Array.from({ length: 6 }, (_, i) => PLANS[(i + round) % PLANS.length] as readonly string[]);
      const runs = await race(writers.map((plan) => ['plan', ...plan, '--out', out]));
      const winners = runs.flatMap((r, i) => (r.code === 0 ? [i] : []));
      expect(winners).toHaveLength(1);
      for (const r of runs.filter((r) => r.code !== 0)) expectOneLineError(r, /already exist; pass --force|another gpuplan \(pid \d+\) is writing into/);
      const which = expectOneCompleteRender(out, references);
      expect(PLANS[which]).toEqual(writers[winners[0] as number]);
    }
  }, 60_000);

  it('with --force the folder ends as one complete render, never a mix', async () => {
    const out = join(tmp(), 'deploy');
    expect(gpuplan(['plan', ...PLANS[0], '--out', out]).code).toBe(0);
    const writers = Array.from({ length: 6 }, (_, i) => PLANS[(i + 1) % PLANS.length] as readonly string[]);
    const runs = await race(writers.map((plan) => ['plan', ...plan, '--out', out, '--force']));
    const succeeded = runs.flatMap((r, i) => (r.code === 0 ? [writers[i]] : []));
    expect(succeeded.length).toBeGreaterThan(0);
    for (const r of runs.filter((r) => r.code !== 0)) expectOneLineError(r, /another gpuplan \(pid \d+\) is writing into/);
    expect(succeeded).toContainEqual(PLANS[expectOneCompleteRender(out, references)]);
  }, 60_000);

  it('a writer that finds the folder locked names the holder and changes nothing', async () => {
    const out = join(tmp(), 'deploy');
    const holder = start(['plan', ...PLANS[0], '--out', out], { GPUPLAN_TEST_PAUSE_AT: 'staged' });
    await holder.said('test pause at staged');
    // Everything in flight lives inside the folder: nothing beside it, even when it is a mount point.
    expect(readdirSync(join(out, '..'))).toEqual(['deploy']);
    expect(readdirSync(out).sort()).toEqual(['.gpuplan-txn', '.gpuplan.lock']);
    const other = gpuplan(['plan', ...PLANS[1], '--out', out, '--force']);
    expectOneLineError(other, new RegExp(`another gpuplan \\(pid ${holder.child.pid}\\) is writing into .*deploy right now; .*--force.*another directory`));
    holder.child.kill('SIGKILL');
    await holder.done;
  });
});

describe('a writer killed mid-write', () => {
  /** An existing render of PLANS[0] being replaced by PLANS[1] with --force. */
  function existingRender(): string {
    const out = join(tmp(), 'deploy');
    expect(gpuplan(['plan', ...PLANS[0], '--out', out]).code).toBe(0);
    return out;
  }

  /** The next run into the folder finishes or undoes the killed write, then refuses (no --force); nothing of gpuplan's is left. */
  function nextRunRecovers(out: string): number {
    const again = gpuplan(['plan', ...PLANS[2], '--out', out]);
    expectOneLineError(again, /already exist; pass --force/);
    expect(readdirSync(join(out, '..'))).toEqual(['deploy']);
    return expectOneCompleteRender(out, references);
  }

  it.each([
    ['staged', 0],
    ['committed', 1],
    ['installing', 1],
  ] as const)('killed at %s: the next run leaves render %i whole and no temporary behind', async (step, expected) => {
    const out = existingRender();
    const writer = start(['plan', ...PLANS[1], '--out', out, '--force'], { GPUPLAN_TEST_PAUSE_AT: step });
    await writer.said(`test pause at ${step}`);
    writer.child.kill('SIGKILL');
    await writer.done;
    // Killed before its commit record the old render is untouched even before anyone recovers.
    if (step === 'staged') expect(whichRender(Object.fromEntries(FILES.map((f) => [f, readFileSync(join(out, f), 'utf8')])), references)).toBe(0);
    expect(existsSync(join(out, '.gpuplan-txn'))).toBe(true);
    expect(nextRunRecovers(out)).toBe(expected);
  });

  it('killed at random moments: always the old render or the new one, and nothing left over', async () => {
    for (let trial = 0; trial < 3; trial++) {
      const out = existingRender();
      const writer = start(['plan', ...PLANS[1], '--out', out, '--force']);
      await sleep(150 + Math.random() * 350);
      writer.child.kill('SIGKILL');
      await writer.done;
      expect([0, 1]).toContain(nextRunRecovers(out));
    }
  }, 60_000);

  it('the run after a crash says it finished the interrupted write', async () => {
    const out = existingRender();
    const writer = start(['plan', ...PLANS[1], '--out', out, '--force'], { GPUPLAN_TEST_PAUSE_AT: 'committed' });
    await writer.said('test pause at committed');
    writer.child.kill('SIGKILL');
    await writer.done;
    const next = gpuplan(['plan', ...PLANS[3], '--out', out, '--force']);
    expect(next.code).toBe(0);
    expect(next.stderr).toMatch(/Found a write a stopped gpuplan left in .*deploy and finished it/);
    expect(expectOneCompleteRender(out, references)).toBe(3);
  });

  it("--force over another engine's render leaves only the new render: the old plan.json's other files go, nothing else does", () => {
    const out = join(tmp(), 'deploy');
    expect(gpuplan(['plan', '-m', 'llama-3.1-8b', '-b', '1xH100', '--engine', 'vllm', '--out', out]).code).toBe(0);
    writeFileSync(join(out, 'notes.txt'), 'mine\n');
    const next = gpuplan(['plan', '-m', 'llama-3.1-8b', '-b', '1xH100', '--engine', 'ollama', '--out', out, '--force']);
    expect(next.code).toBe(0);
    expect(next.stderr).toMatch(/removed the previous render's serve\.sh/);
    expect(readdirSync(out).sort()).toEqual(['Modelfile', 'PLAN.md', 'docker-compose.yml', 'notes.txt', 'plan.json']);
  });
});

describe('permissions follow the umask', () => {
  /** Runs the CLI under `umask` (a worker thread cannot change its own). */
  function planUnder(umask: string, out: string): void {
    const command = [process.execPath, BIN, 'plan', ...PLANS[0], '--out', out].map(shellWord).join(' ');
    expect(sh(`umask ${umask} && exec ${command} >/dev/null 2>&1`)).toBe(0);
  }

  it.each([
    ['022', 0o755, 0o644],
    ['077', 0o700, 0o600],
  ] as const)('umask %s', (umask, dirMode, fileMode) => {
    const out = join(tmp(), 'new', 'deploy');
    planUnder(umask, out);
    expect(statSync(out).mode & 0o777).toBe(dirMode);
    expect(statSync(join(out, '..')).mode & 0o777).toBe(dirMode);
    for (const name of ['PLAN.md', 'docker-compose.yml', 'plan.json']) expect(statSync(join(out, name)).mode & 0o777).toBe(fileMode);
    expect(statSync(join(out, 'serve.sh')).mode & 0o777).toBe(dirMode);
  });
});

describe('refusals are one line, exit 2, and create nothing', () => {
  it('--out "" (the current directory by accident)', () => {
    const cwd = tmp();
    for (const args of [
      ['plan', ...PLANS[0], '--out', ''],
      ['render', 'plan.json', '--out', ''],
    ]) {
      const r = gpuplan(args, cwd);
      expectOneLineError(r, /--out "": an empty directory name|--out <dir>. argument .. is invalid. must not be empty/);
    }
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('a name too long for the file system; 240 characters are fine', () => {
    const parent = tmp();
    expectOneLineError(gpuplan(['plan', ...PLANS[0], '--out', join(parent, 'x'.repeat(300))]), /cannot create .*x{300}: the name is too long \(ENAMETOOLONG\)/);
    expect(readdirSync(parent)).toEqual([]);
    const r = gpuplan(['plan', ...PLANS[0], '--out', join(parent, 'y'.repeat(240))]);
    expect(r.code).toBe(0);
    expect(readdirSync(parent)).toEqual(['y'.repeat(240)]);
  });

  it('a path through a regular file, or a read-only parent (when not root)', () => {
    const parent = tmp();
    writeFileSync(join(parent, 'file'), '');
    expectOneLineError(gpuplan(['plan', ...PLANS[0], '--out', join(parent, 'file', 'a', 'deploy')]), /cannot create .*file/);
    expect(readdirSync(parent)).toEqual(['file']);
    if (process.getuid?.() === 0) return; // root writes into a 0555 directory anyway
    const locked = join(parent, 'locked');
    mkdirSync(locked, { mode: 0o555 });
    chmodSync(locked, 0o555);
    expectOneLineError(gpuplan(['plan', ...PLANS[0], '--out', join(locked, 'deploy')]), /cannot create .*locked.deploy: permission denied \(EACCES\)/);
    expect(readdirSync(locked)).toEqual([]);
  });

  it('never writes through a symlink: not the folder, not a file in it', () => {
    const parent = tmp();
    const real = join(parent, 'real');
    mkdirSync(real);
    symlinkSync(real, join(parent, 'link'));
    expectOneLineError(gpuplan(['plan', ...PLANS[0], '--out', join(parent, 'link')]), /link is a symbolic link/);
    expect(readdirSync(real)).toEqual([]);

    const out = join(parent, 'deploy');
    expect(gpuplan(['plan', ...PLANS[0], '--out', out]).code).toBe(0);
    writeFileSync(join(parent, 'elsewhere'), 'mine');
    const serve = join(out, 'serve.sh');
    const original = readFileSync(serve, 'utf8');
    expect(sh(`rm ${shellWord(serve)} && ln -s ../elsewhere ${shellWord(serve)}`)).toBe(0);
    expectOneLineError(gpuplan(['plan', ...PLANS[1], '--out', out, '--force']), /serve.sh exist and are not regular files/);
    expect(readFileSync(join(parent, 'elsewhere'), 'utf8')).toBe('mine');
    expect(original).not.toBe('');
    expect(readdirSync(out).sort()).toEqual(FILES);
  });

  it('the Start-it hint quotes the directory for the shell', () => {
    const out = join(tmp(), "my deploy's");
    const r = gpuplan(['plan', ...PLANS[0], '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`Start it: cd '${out.replaceAll("'", `'"'"'`)}' && docker compose up -d`);
  });
});
