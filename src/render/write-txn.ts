/**
 * Replacing a set of files so that a crash leaves the old set or the new one, never a mix
 * for long: the new files are staged in `DIR/.gpuplan-txn/` (inside DIR, so every rename
 * stays on DIR's file system even when DIR is a mount point), then a commit record is
 * renamed into place (the point of no return), then each file is renamed over its target.
 * A crash before the commit record leaves the old files untouched and the next writer
 * removes the staging; a crash after it is completed by the next writer (every step can be
 * repeated). Only the holder of DIR's lock (write-lock.ts) runs any of this.
 */
import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RenderedFile } from './render.js';
import { errnoOf } from '../util/user-file.js';

export const TXN_NAME = '.gpuplan-txn';
/** A file inside the transaction directory that says it is gpuplan's to remove. */
const MARKER = 'gpuplan-transaction';
const COMMIT = 'commit.json';
const STAGED = 'files';

/** A name written into DIR: one path component, nothing a crafted commit record could escape with. */
export function isPlainFileName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\\') && !name.includes('\0');
}

export type PauseAt = (step: 'staged' | 'committed' | 'installing') => void;

/** Creates `path` with `content` (mode before the umask) and flushes it to disk. */
function writeDurably(path: string, content: string, mode: number): void {
  const fd = openSync(path, 'wx', mode);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Flushes a directory's entries (renames); some platforms cannot, and a crash there costs at most the rename. */
export function syncDirectory(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    fsyncSync(fd);
  } catch {
    // not supported here (Windows, some network file systems)
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes the new files into a fresh transaction directory; returns its path. */
export function stageFiles(dir: string, files: readonly RenderedFile[]): string {
  const txn = join(dir, TXN_NAME);
  mkdirSync(txn, { mode: 0o700 });
  // The marker first: a crash before it leaves an empty directory, which is safe to remove too.
  writeDurably(join(txn, MARKER), 'gpuplan writes deploy files through this directory; the next gpuplan run into the parent removes it.\n', 0o600);
  mkdirSync(join(txn, STAGED), { mode: 0o700 });
  // 0o666 / 0o777 before the umask, as any program creating files would.
  for (const file of files) writeDurably(join(txn, STAGED, file.path), file.content, file.executable ? 0o777 : 0o666);
  return txn;
}

/** What a committed transaction does: files to move into place, and files of the previous render to remove. */
export interface TxnPlan {
  install: readonly string[];
  retire: readonly string[];
}

/** The point of no return: from here on the swap is completed, by this run or the next. */
export function commitStaged(txn: string, plan: TxnPlan): void {
  writeDurably(join(txn, `${COMMIT}.tmp`), `${JSON.stringify({ install: plan.install, retire: plan.retire })}\n`, 0o600);
  renameSync(join(txn, `${COMMIT}.tmp`), join(txn, COMMIT));
  syncDirectory(txn);
}

/**
 * Moves each staged file over its target, then removes the previous render's files the new
 * one does not write (a vLLM serve.sh left beside a llama.cpp llama-server.sh would be a mix
 * of two renders); repeatable (a file already moved or removed is skipped).
 */
export function installStaged(dir: string, txn: string, plan: TxnPlan, pauseAt: PauseAt = () => {}): void {
  for (const [i, name] of plan.install.entries()) {
    try {
      renameSync(join(txn, STAGED, name), join(dir, name));
    } catch (error) {
      if (errnoOf(error) !== 'ENOENT') throw error;
    }
    if (i === 0) pauseAt('installing');
  }
  for (const name of plan.retire) {
    try {
      if (lstatSync(join(dir, name)).isFile()) unlinkSync(join(dir, name));
    } catch (error) {
      if (errnoOf(error) !== 'ENOENT') throw error;
    }
  }
  syncDirectory(dir);
}

/** Removes a transaction directory known to be gpuplan's. */
export function removeTransaction(txn: string): void {
  rmSync(txn, { recursive: true, force: true });
}

export type Recovery = 'none' | 'rolled back' | 'completed';

/** Thrown when `.gpuplan-txn` exists but is not something gpuplan made. */
export class ForeignTransaction extends Error {}

/**
 * Finishes or undoes what a killed writer left in `dir`: a committed swap is completed,
 * an uncommitted one removed. Touches `.gpuplan-txn` only when it is a real directory with
 * gpuplan's marker inside (or empty: killed between creating it and writing the marker).
 */
export function recoverTransaction(dir: string): Recovery {
  const txn = join(dir, TXN_NAME);
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(txn);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return 'none';
    throw error;
  }
  if (!stat.isDirectory()) throw new ForeignTransaction(txn);
  const entries = readdirSync(txn);
  if (entries.length === 0) {
    rmdirSync(txn);
    return 'rolled back';
  }
  if (!entries.includes(MARKER) || !lstatSync(join(txn, MARKER)).isFile()) throw new ForeignTransaction(txn);
  const plan = committedPlan(txn);
  if (plan) installStaged(dir, txn, plan);
  removeTransaction(txn);
  return plan ? 'completed' : 'rolled back';
}

/** What a committed transaction does, or null when it never reached its commit record. */
function committedPlan(txn: string): TxnPlan | null {
  let text: string;
  try {
    text = readFileSync(join(txn, COMMIT), 'utf8');
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return null;
    throw error;
  }
  let install: unknown[] = [];
  let retire: unknown[] = [];
  try {
    const record = JSON.parse(text) as { install?: unknown; retire?: unknown };
    if (Array.isArray(record.install)) install = record.install;
    if (Array.isArray(record.retire)) retire = record.retire;
  } catch {
    throw new ForeignTransaction(txn);
  }
  // The record is written whole and renamed into place, so a bad one was not written by gpuplan.
  const plain = (names: unknown[]): names is string[] => names.every((n) => typeof n === 'string' && isPlainFileName(n));
  if (!plain(install) || !plain(retire)) throw new ForeignTransaction(txn);
  return { install, retire };
}
