/**
 * The pieces of the write protocol in-process: when a lock is stale, what recovery refuses
 * to touch, and how file-system errors read. The processes themselves: test/fuzz/write-safety.fuzz.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderPlan } from '../../src/render/render.js';
import { writeRendered } from '../../src/render/write.js';
import { describeFsError } from '../../src/util/user-file.js';
import { isStaleLock, LOCK_NAME, STALE_LOCK_MS, thisMachine } from '../../src/render/write-lock.js';
import { ForeignTransaction, isPlainFileName, recoverTransaction, TXN_NAME } from '../../src/render/write-txn.js';
import { examplePlan } from './fixtures.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'gpuplan-wp-'));
const files = renderPlan(examplePlan('vllm'));
const deadPid = () => spawnSync('true').pid as number;

describe('locks', () => {
  const here = 'host#pid:[1]';
  const record = { pid: 42, machine: here, nonce: 'n' };

  it('a lock is stale when its writer is gone from this machine, or when it is older than any write', () => {
    expect(isStaleLock(record, 1_000, here, () => false)).toBe(true);
    expect(isStaleLock(record, 1_000, here, () => true)).toBe(false);
    // Another machine's pid says nothing here: only age decides.
    expect(isStaleLock({ ...record, machine: 'other' }, 1_000, here, () => false)).toBe(false);
    expect(isStaleLock({ ...record, machine: 'other' }, STALE_LOCK_MS + 1, here, () => true)).toBe(true);
    // An empty lock is being written right now, unless it has been empty for seconds.
    expect(isStaleLock(null, 10, here, () => false)).toBe(false);
    expect(isStaleLock(null, 60_000, here, () => false)).toBe(true);
  });

  it("a dead writer's lock is broken and the write goes ahead; a live one refuses", () => {
    const out = tmp();
    writeFileSync(join(out, LOCK_NAME), JSON.stringify({ pid: deadPid(), machine: thisMachine(), nonce: 'x' }));
    expect(writeRendered(out, files, false).written).toHaveLength(files.length);
    expect(existsSync(join(out, LOCK_NAME))).toBe(false);

    const busy = tmp();
    writeFileSync(join(busy, LOCK_NAME), JSON.stringify({ pid: process.pid, machine: thisMachine(), nonce: 'x' }));
    expect(() => writeRendered(busy, files, false)).toThrow(new RegExp(`another gpuplan \\(pid ${process.pid}\\) is writing into`));
    expect(readdirSync(busy)).toEqual([LOCK_NAME]);
  });

  it('an old lock whose pid lives on (reused) is stale too', () => {
    const out = tmp();
    const lock = join(out, LOCK_NAME);
    writeFileSync(lock, JSON.stringify({ pid: process.pid, machine: thisMachine(), nonce: 'x' }));
    const old = (Date.now() - STALE_LOCK_MS - 60_000) / 1000;
    utimesSync(lock, old, old);
    expect(writeRendered(out, files, false).written).toHaveLength(files.length);
  });

  it('a symlink under the lock name is not a lock, and is left alone', () => {
    const out = tmp();
    symlinkSync(join(out, 'elsewhere'), join(out, LOCK_NAME));
    expect(() => writeRendered(out, files, false)).toThrow(/\.gpuplan\.lock is in the way and is not gpuplan's lock; remove it/);
    expect(existsSync(join(out, 'elsewhere'))).toBe(false);
  });
});

describe('recovery touches only what gpuplan made', () => {
  it('an empty transaction directory (killed before its marker) is removed', () => {
    const out = tmp();
    mkdirSync(join(out, TXN_NAME));
    expect(recoverTransaction(out)).toBe('rolled back');
    expect(readdirSync(out)).toEqual([]);
  });

  it('refuses a directory without the marker, a symlink, or a commit record naming paths outside', () => {
    const out = tmp();
    mkdirSync(join(out, TXN_NAME));
    writeFileSync(join(out, TXN_NAME, 'mine'), 'keep');
    expect(() => recoverTransaction(out)).toThrow(ForeignTransaction);
    expect(() => writeRendered(out, files, false)).toThrow(/\.gpuplan-txn is not gpuplan's transaction directory; remove it/);
    expect(readFileSync(join(out, TXN_NAME, 'mine'), 'utf8')).toBe('keep');

    const linked = tmp();
    mkdirSync(join(linked, 'target'));
    symlinkSync(join(linked, 'target'), join(linked, TXN_NAME));
    expect(() => recoverTransaction(linked)).toThrow(ForeignTransaction);

    const crafted = tmp();
    mkdirSync(join(crafted, TXN_NAME, 'files'), { recursive: true });
    writeFileSync(join(crafted, TXN_NAME, 'gpuplan-transaction'), '');
    writeFileSync(join(crafted, TXN_NAME, 'commit.json'), JSON.stringify({ install: ['../escape'] }));
    expect(() => recoverTransaction(crafted)).toThrow(ForeignTransaction);
    expect(existsSync(join(crafted, TXN_NAME))).toBe(true);
  });

  it('file names are one path component', () => {
    expect(['serve.sh', 'PLAN.md', 'a b'].every(isPlainFileName)).toBe(true);
    expect(['', '.', '..', '../x', 'a/b', 'a\\b', 'a\0b'].some(isPlainFileName)).toBe(false);
  });
});

describe('file-system errors', () => {
  it('read as a reason and the code; anything else is not one (a bug, exit 70)', () => {
    expect(describeFsError(Object.assign(new Error('x'), { code: 'EROFS' }))).toBe('read-only file system (EROFS)');
    expect(describeFsError(Object.assign(new Error('x'), { code: 'ENOSPC' }))).toBe('no space left on the device (ENOSPC)');
    expect(describeFsError(Object.assign(new Error('x'), { code: 'EWHATEVER' }))).toBe('file system error (EWHATEVER)');
    expect(describeFsError(new TypeError('bug'))).toBeNull();
    expect(describeFsError(Object.assign(new Error('x'), { code: 'ERR_INVALID_ARG_TYPE' }))).toBeNull();
  });
});
