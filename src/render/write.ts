/**
 * Writing a rendered plan: all files or none, one writer at a time, never through a
 * symlink, never over existing files without `force`.
 *
 * Protocol (docs/ARCHITECTURE.md, "Writing the deploy files"): create DIR if needed (mode
 * from the umask), take DIR's lock (write-lock.ts), finish or undo whatever a killed writer
 * left, check what exists, stage the files in DIR/.gpuplan-txn, commit, rename them into
 * place (write-txn.ts), release the lock. Everything lives inside DIR, so it works when DIR
 * is a mount point and nothing is left beside it.
 */
import { lstatSync, mkdirSync, rmdirSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UserError } from '../util/errors.js';
import { describeFsError, errnoOf } from '../util/user-file.js';
import type { RenderedFile } from './render.js';
import { acquireLock, type HeldLock, LockBusy, releaseLock, removeBrokenLocks, stillHeld } from './write-lock.js';
import { commitStaged, ForeignTransaction, installStaged, isPlainFileName, type PauseAt, type Recovery, recoverTransaction, removeTransaction, stageFiles, syncDirectory } from './write-txn.js';

export interface WriteResult {
  dir: string;
  written: string[];
  replaced: string[];
  /** Files of the previous render the new one does not write (with force), removed with the swap. */
  removed: string[];
  /** What this run did with a write a killed gpuplan left in DIR. */
  recovered: Recovery;
}

/** The `--out` value as it appears in messages: quoted, and on one line whatever it holds. */
function outLabel(outDir: string): string {
  return `--out ${JSON.stringify(outDir)}`;
}

/** A path in a message, quoted when it holds control characters, so the message stays one line. */
function shownPath(path: string): string {
  return Array.from(path).some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f) ? JSON.stringify(path) : path;
}

function bestEffort(cleanUp: () => void): void {
  try {
    cleanUp();
  } catch {
    // the error being reported matters more
  }
}

/** Refuses an `--out` that cannot name a directory; cheap, so callers check it before planning. */
export function checkOutPath(outDir: string): void {
  if (outDir === '') throw new UserError(`${outLabel(outDir)}: an empty directory name; give a directory (. for the current one)`);
  if (outDir.includes('\0')) throw new UserError(`${outLabel(outDir)}: a directory name cannot contain a NUL byte`);
}

function lstatOrNull(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

/**
 * DIR as a real directory, created (with its missing parents) when absent; returns the
 * directories it created, deepest first, so a failed write can remove them again.
 */
function ensureDirectory(dir: string, label: string): string[] {
  const found = lstatOrNull(dir);
  if (found?.isSymbolicLink()) throw new UserError(`${label}: ${shownPath(dir)} is a symbolic link; gpuplan writes only into a real directory (give the directory it points to)`);
  if (found && !found.isDirectory()) throw new UserError(`${label}: exists and is not a directory`);
  if (found) return [];
  const parent = dirname(dir);
  let firstParent: string | undefined;
  try {
    // 0o777 before the umask: new directories get the permissions the user's umask asks for.
    firstParent = mkdirSync(parent, { recursive: true, mode: 0o777 });
  } catch (error) {
    throw new UserError(`${label}: cannot create ${shownPath(parent)}: ${describeFsError(error) ?? (error as Error).message}`);
  }
  const created = firstParent ? parentsBetween(firstParent, parent) : [];
  try {
    mkdirSync(dir, { mode: 0o777 });
    created.unshift(dir);
  } catch (error) {
    // Another writer created it a moment ago: fine, its lock decides who writes.
    const raced = errnoOf(error) === 'EEXIST' && lstatOrNull(dir)?.isDirectory();
    if (!raced) {
      removeDirectories(created);
      throw new UserError(`${label}: cannot create ${shownPath(dir)}: ${describeFsError(error) ?? (error as Error).message}`);
    }
  }
  return created;
}

/** `from` and every directory below it down to `to`, deepest first. */
function parentsBetween(from: string, to: string): string[] {
  const chain: string[] = [];
  for (let d = to; d.length >= from.length; d = dirname(d)) {
    chain.push(d);
    if (d === from || d === dirname(d)) break;
  }
  return chain;
}

/** Removes directories this run created, if still empty (another writer may have used them). */
function removeDirectories(deepestFirst: readonly string[]): void {
  for (const d of deepestFirst) {
    try {
      rmdirSync(d);
    } catch {
      return;
    }
  }
}

/**
 * Test hook, documented in docs/ARCHITECTURE.md: GPUPLAN_TEST_PAUSE_AT=STEP makes the writer
 * say so on stderr and sleep at STEP (start, staged, committed, installing), so a test can
 * SIGKILL it there; STEP@EPOCH_MS sleeps only until that time, so concurrent writers started
 * one after another all reach the lock at once.
 */
const pauseForTest = (step: Parameters<PauseAt>[0] | 'start'): void => {
  const [wanted, until] = (process.env.GPUPLAN_TEST_PAUSE_AT ?? '').split('@');
  if (wanted !== step) return;
  writeSync(2, `gpuplan: test pause at ${step}\n`);
  const ms = until ? Number(until) - Date.now() : 60_000;
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

function checkNames(files: readonly RenderedFile[]): string[] {
  const names = files.map((f) => f.path);
  if (names.length === 0) throw new UserError('the plan lists no files to write');
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new UserError(`the plan lists ${twice} twice`);
  const unsafe = names.find((n) => !isPlainFileName(n) || n.startsWith('.gpuplan'));
  if (unsafe !== undefined) throw new UserError(`the plan lists ${JSON.stringify(unsafe)}, which is not a plain file name`);
  return names;
}

/** Which of `names` exist in `dir`; refuses when one is not a regular file or (without force) exists at all. */
function checkExisting(dir: string, names: readonly string[], force: boolean, label: string): string[] {
  const existing = names.filter((p) => lstatOrNull(join(dir, p)) !== null);
  // Checked before anything moves, so a replacement cannot stop half-way.
  const notFiles = existing.filter((p) => !lstatOrNull(join(dir, p))?.isFile());
  if (notFiles.length > 0) throw new UserError(`${label}: ${notFiles.join(', ')} exist and are not regular files; remove them first`);
  if (existing.length > 0 && !force) {
    throw new UserError(`${label}: ${existing.join(', ')} already exist; pass --force to replace them, or choose another directory`);
  }
  return existing;
}

function takeLock(dir: string, label: string): HeldLock {
  try {
    return acquireLock(dir);
  } catch (error) {
    if (!(error instanceof LockBusy)) throw error;
    if (!error.holder) throw new UserError(`${label}: ${shownPath(error.path)} is in the way and is not gpuplan's lock; remove it`);
    throw new UserError(
      `${label}: another gpuplan (pid ${error.holder.pid}) is writing into ${shownPath(dir)} right now; run again when it is done (with --force to replace its files), or choose another directory`,
    );
  }
}

/**
 * `previous(dir)`: with `force`, the files of the render DIR holds now (read under the lock)
 * that the new one replaces by other names; they are removed in the same transaction.
 */
export function writeRendered(outDir: string, files: readonly RenderedFile[], force: boolean, previous: (dir: string) => readonly string[] = () => []): WriteResult {
  checkOutPath(outDir);
  const names = checkNames(files);
  const label = outLabel(outDir);
  const dir = resolve(outDir);
  pauseForTest('start');
  const created = ensureDirectory(dir, label);
  let lock: HeldLock | undefined;
  let txn: string | undefined;
  let committed = false;
  try {
    lock = takeLock(dir, label);
    let recovered: Recovery;
    try {
      recovered = recoverTransaction(dir);
    } catch (error) {
      if (error instanceof ForeignTransaction) throw new UserError(`${label}: ${shownPath(error.message)} is not gpuplan's transaction directory; remove it`);
      throw error;
    }
    removeBrokenLocks(dir);
    const existing = checkExisting(dir, names, force, label);
    const retired = force ? previous(dir).filter((name) => isPlainFileName(name) && !name.startsWith('.gpuplan') && !names.includes(name) && lstatOrNull(join(dir, name))?.isFile()) : [];
    txn = stageFiles(dir, files);
    pauseForTest('staged');
    if (!stillHeld(lock)) throw new UserError(`${label}: another gpuplan took over ${shownPath(dir)} while this one was writing; nothing was changed`);
    const plan = { install: names, retire: retired };
    commitStaged(txn, plan);
    committed = true;
    pauseForTest('committed');
    installStaged(dir, txn, plan, pauseForTest);
    removeTransaction(txn);
    syncDirectory(dir);
    releaseLock(lock);
    return { dir, written: names, replaced: existing, removed: retired, recovered };
  } catch (error) {
    // Before the commit record nothing in DIR has changed: undo this run's traces. After it,
    // the staged files stay for the next writer to finish installing. Cleaning up must not
    // hide the error that stopped the write (on a full or read-only disk it may fail too).
    const staged = txn;
    const held = lock;
    if (!committed && staged) bestEffort(() => removeTransaction(staged));
    if (held) bestEffort(() => releaseLock(held));
    if (!committed) removeDirectories(created);
    if (error instanceof UserError) throw error;
    const reason = describeFsError(error);
    if (!reason) throw error;
    const where = shownPath((error as NodeJS.ErrnoException).path ?? dir);
    const after = committed ? `; the next gpuplan run into ${shownPath(dir)} finishes replacing the files` : '; nothing was changed';
    throw new UserError(`${label}: cannot write ${where}: ${reason}${after}`);
  }
}
