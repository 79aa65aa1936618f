/**
 * File-system faults (issue 15), against the shipped bundle under the heap and time guard:
 * `--model` and `--prices` a FIFO, a directory, /dev/zero, a dangling symlink, an unreadable
 * file; `--out` through a regular file, onto a symlink, with a 300-character name; `validate`
 * of a directory holding a symlink loop and a symlink to `/`.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture } from '../helpers.js';
import { caseDir, checkOutcome, guardRepo, runSpawned } from './harness.js';

guardRepo();

const root = process.getuid?.() === 0;
const dir = caseDir('faults');
const fifo = join(dir, 'fifo.json');
execFileSync('mkfifo', [fifo]);
const directory = join(dir, 'a-directory.json');
mkdirSync(directory);
const dangling = join(dir, 'dangling.json');
symlinkSync(join(dir, 'nowhere'), dangling);
const unreadable = join(dir, 'unreadable.json');
writeFileSync(unreadable, '{}');
chmodSync(unreadable, 0o000);

const FAULTS: [string, string][] = [
  ['a FIFO', fifo],
  ['a directory', directory],
  ['/dev/zero', '/dev/zero'],
  ['a dangling symlink', dangling],
  ['an unreadable file', unreadable],
];
/** Root reads a file without read permission: that case runs only for other users. */
const faults = root ? FAULTS.filter(([what]) => what !== 'an unreadable file') : FAULTS;

describe('fuzz: file-system faults (built CLI)', () => {
  it.each(faults)('--model %s → exit 2, one line', (what, path) => {
    const outcome = runSpawned(['estimate', '--model', path]);
    checkOutcome(outcome, what, [2]);
  });

  it.each(faults)('--prices %s → exit 2, one line', (what, path) => {
    const outcome = runSpawned(['plan', '-m', 'llama-3.1-8b', '-b', '1xH100', '--prices', path]);
    checkOutcome(outcome, what, [2]);
  });

  it('--out through a regular file → exit 2, nothing written', () => {
    const d = caseDir('out');
    writeFileSync(join(d, 'file'), 'x');
    checkOutcome(runSpawned(['plan', '-m', 'llama-3.1-8b', '-b', '1xH100', '--out', join(d, 'file', 'sub')]), 'out through a file', [2]);
    expect(readdirSync(d)).toEqual(['file']);
  });

  it('--out onto a symlink → exit 2, the target untouched', () => {
    const d = caseDir('out');
    mkdirSync(join(d, 'target'));
    symlinkSync(join(d, 'target'), join(d, 'link'));
    checkOutcome(runSpawned(['plan', '-m', 'llama-3.1-8b', '-b', '1xH100', '--out', join(d, 'link')]), 'out onto a symlink', [2]);
    expect(readdirSync(join(d, 'target'))).toEqual([]);
  });

  it('--out with a 300-character name → exit 2, one line', () => {
    const d = caseDir('out');
    const out = join(d, 'n'.repeat(300));
    checkOutcome(runSpawned(['plan', '-m', 'llama-3.1-8b', '-b', '1xH100', '--out', out]), '300-char out', [2]);
    expect(existsSync(out)).toBe(false);
  });

  it('validate of a directory with a symlink loop and a symlink to / finishes', () => {
    const d = caseDir('walk');
    symlinkSync(d, join(d, 'loop'));
    symlinkSync('/', join(d, 'root'));
    symlinkSync(join(d, 'a'), join(d, 'b'));
    symlinkSync(join(d, 'b'), join(d, 'a'));
    // Alone they are nothing to check (exit 2); with a real file beside them, that file is checked.
    checkOutcome(runSpawned(['validate', d, '--format', 'json']), 'symlink loop and /', [2]);
    writeFileSync(join(d, 'serve.sh'), 'vllm serve meta-llama/Llama-3.1-8B-Instruct\n');
    checkOutcome(runSpawned(['validate', d, '--format', 'json']), 'symlink loop and / beside serve.sh', [0, 1]);
  });

  it('validate of a FIFO named on the command line → not a hang', () => {
    checkOutcome(runSpawned(['validate', fifo, fixture('validate/valid/vllm-serve.sh')]), 'validate fifo');
  });
});
