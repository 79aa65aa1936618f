/**
 * One writer per deploy directory: `DIR/.gpuplan.lock`, created exclusively (O_EXCL, which
 * also refuses a symlink planted under that name). The holder owns everything gpuplan keeps
 * in DIR while it writes (the transaction directory, see write-txn.ts). A lock left by a
 * killed process is broken when its pid is dead on this machine, or when it is older than
 * any write can take (pid reuse, a lock from another host on a shared file system).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, lstatSync, openSync, readdirSync, readFileSync, readlinkSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { errnoOf } from '../util/user-file.js';

export const LOCK_NAME = '.gpuplan.lock';
/** Writing a deploy folder takes milliseconds; a lock this old is left over whatever its pid says. */
export const STALE_LOCK_MS = 10 * 60_000;
/** The holder writes its record right after creating the file; an empty lock this old was never finished. */
const UNFINISHED_LOCK_MS = 5_000;
/** `.gpuplan.lock.stale-<pid>-<hex>`: a broken lock on its way out (see breakStaleLock). */
const BROKEN_LOCK = /^\.gpuplan\.lock\.stale-\d+-[0-9a-f]{12}$/;

export interface LockRecord {
  pid: number;
  /** Host name and pid namespace: a pid means something only there. */
  machine: string;
  nonce: string;
}

export interface HeldLock {
  path: string;
  text: string;
}

/** Someone else holds the lock (or a file not ours sits under its name). */
export class LockBusy extends Error {
  constructor(
    readonly path: string,
    readonly holder: LockRecord | null,
  ) {
    super(holder ? `held by pid ${holder.pid}` : `${path} is not a gpuplan lock`);
  }
}

/** This host and pid namespace (containers on one host share the name, not the pids). */
export function thisMachine(): string {
  let namespace = '';
  try {
    namespace = readlinkSync('/proc/self/ns/pid');
  } catch {
    // not Linux: the host name alone
  }
  return `${hostname()}${namespace ? `#${namespace}` : ''}`;
}

export function parseLockRecord(text: string): LockRecord | null {
  try {
    const value = JSON.parse(text) as Partial<LockRecord>;
    if (Number.isInteger(value.pid) && typeof value.machine === 'string' && typeof value.nonce === 'string') return value as LockRecord;
  } catch {
    // empty (being written) or not ours
  }
  return null;
}

/** Whether a lock found on disk was left behind by a writer that is gone. */
export function isStaleLock(record: LockRecord | null, ageMs: number, machine: string, isAlive: (pid: number) => boolean): boolean {
  if (ageMs > STALE_LOCK_MS) return true;
  if (!record) return ageMs > UNFINISHED_LOCK_MS;
  return record.machine === machine && !isAlive(record.pid);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, another user's
    return errnoOf(error) !== 'ESRCH';
  }
}

/** The lock file as it is now, or null when it has gone; throws LockBusy when it is not a regular file. */
function readLock(path: string): { text: string; ageMs: number } | null {
  try {
    const stat = lstatSync(path);
    if (!stat.isFile()) throw new LockBusy(path, null);
    return { text: readFileSync(path, 'utf8'), ageMs: Date.now() - stat.mtimeMs };
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Removes the stale lock whose text was `seen`, and nothing else: two writers may find the
 * same stale lock, and the slower one must not remove the lock the faster one took since.
 * Renaming is atomic, so the lock is moved aside first and looked at; a live one is put back
 * (link: only if the name is still free). The holder re-checks its lock before committing.
 */
function breakStaleLock(path: string, seen: string): void {
  const aside = `${path}.stale-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return; // another writer broke it first
    throw error;
  }
  try {
    if (readFileSync(aside, 'utf8') !== seen) linkSync(aside, path);
  } catch {
    // the name was taken again meanwhile: that writer holds the lock now
  } finally {
    unlinkSync(aside);
  }
}

/** How long a young, still empty lock is re-read before it counts as not gpuplan's (its holder writes the record microseconds after creating it). */
const RECORD_WAIT_MS = 500;

/**
 * The lock as its holder finished it: between the holder's O_EXCL create and its write, the file
 * is empty, and another writer reading it then must not take it for a stranger's file.
 */
function settledLock(path: string): { text: string; ageMs: number } | null {
  const deadline = Date.now() + RECORD_WAIT_MS;
  for (;;) {
    const found = readLock(path);
    if (!found || parseLockRecord(found.text) || found.ageMs > UNFINISHED_LOCK_MS || Date.now() > deadline) return found;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
  }
}

/** Takes the lock of `dir`, breaking a stale one; throws LockBusy when a live writer holds it. */
export function acquireLock(dir: string): HeldLock {
  const path = join(dir, LOCK_NAME);
  const machine = thisMachine();
  const text = `${JSON.stringify({ pid: process.pid, machine, nonce: randomBytes(8).toString('hex') } satisfies LockRecord)}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      try {
        writeSync(fd, text);
      } finally {
        closeSync(fd);
      }
      return { path, text };
    } catch (error) {
      if (errnoOf(error) !== 'EEXIST') throw error;
    }
    const found = settledLock(path);
    if (!found) continue;
    const holder = parseLockRecord(found.text);
    if (!isStaleLock(holder, found.ageMs, machine, isAlive)) throw new LockBusy(path, holder);
    breakStaleLock(path, found.text);
  }
  throw new LockBusy(path, parseLockRecord(readLock(path)?.text ?? ''));
}

/** Whether `lock` is still ours: checked before the point of no return. */
export function stillHeld(lock: HeldLock): boolean {
  try {
    return readFileSync(lock.path, 'utf8') === lock.text;
  } catch {
    return false;
  }
}

export function releaseLock(lock: HeldLock): void {
  if (stillHeld(lock)) unlinkSync(lock.path);
}

/** Broken locks a writer was killed before removing (a window of microseconds); exact names only. */
export function removeBrokenLocks(dir: string): void {
  for (const name of readdirSync(dir)) {
    if (!BROKEN_LOCK.test(name)) continue;
    const path = join(dir, name);
    if (!lstatSync(path).isFile()) continue;
    const found = readLock(path);
    if (found && found.ageMs > UNFINISHED_LOCK_MS && parseLockRecord(found.text)) unlinkSync(path);
  }
}
