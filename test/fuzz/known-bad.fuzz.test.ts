/**
 * Known-bad inputs: the reproductions listed in issue 15, run against the shipped bundle
 * under the heap and time guard. Each row says what it must do; all keep the invariant.
 */
import { spawn } from 'node:child_process';
import { closeSync, cpSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from '../cli/run.js';
import { writeTinyGguf } from '../fixtures/gguf/write-gguf.js';
import { fixture } from '../helpers.js';
import { caseDir, checkOutcome, guardRepo, type Outcome, ROOT, runSpawned, SPAWN_TIMEOUT_MS } from './harness.js';

guardRepo();

const dir = caseDir('known');
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const llama = JSON.parse(
  JSON.stringify({
    model_type: 'llama',
    hidden_size: 4096,
    intermediate_size: 14336,
    num_hidden_layers: 32,
    num_attention_heads: 32,
    num_key_value_heads: 8,
    vocab_size: 128256,
    max_position_embeddings: 131072,
  }),
);
const prices = file('prices.yaml', 'h100-sxm: 1.1\n');
const layers = file('layers.config.json', JSON.stringify({ ...llama, num_hidden_layers: 1e12 }));
const protoDtype = file('proto.config.json', JSON.stringify({ ...llama, torch_dtype: '__proto__' }));
const ctorGguf = join(dir, 'ctor.gguf');
writeTinyGguf(ctorGguf, { architecture: 'constructor' });
const protoGguf = join(dir, 'proto.gguf');
writeTinyGguf(protoGguf, { architecture: '__proto__' });
const emptyDir = join(dir, 'empty');
mkdirSync(emptyDir);
const noDeploy = join(dir, 'no-deploy');
mkdirSync(noDeploy);
writeFileSync(join(noDeploy, 'README.txt'), 'nothing to deploy here\n');
// 180k keys in ~2 MB, a 200k-line `\` continuation chain, an unclosed `"""` Python launcher.
const bigYaml = file('big.yml', Array.from({ length: 180_000 }, (_, i) => `k${i}: ${i}`).join('\n'));
const chain = file('chain.sh', `vllm serve x \\\n${'  --foo \\\n'.repeat(200_000)}`);
const python = file('launch.py', `import subprocess\nsubprocess.run(["vllm", "serve", "x"])\nx = """\n${'never closed\n'.repeat(50_000)}`);

const PLAN = ['plan', '-m', 'llama-3.1-8b', '-b', '1xH100'];
/** [what, argv, allowed exit codes]. */
const KNOWN_BAD: [string, string[], number[]][] = [
  ['--prices YAML (h100-sxm: 1.1) works', [...PLAN, '--prices', prices], [0]],
  ['hf:../model is refused', ['estimate', '-m', 'hf:../model'], [2]],
  ['hf:org/.. is refused', ['estimate', '-m', 'hf:org/..', '--offline'], [2]],
  ['a config with num_hidden_layers 1e12 is refused', ['estimate', '-m', layers], [2]],
  ['torch_dtype "__proto__"', ['estimate', '-m', protoDtype, '--json'], [0, 2]],
  ['GGUF architecture "constructor" is refused', ['estimate', '-m', ctorGguf], [2]],
  ['GGUF architecture "__proto__" is refused', ['estimate', '-m', protoGguf], [2]],
  ['--model 0b is refused', ['estimate', '-m', '0b'], [2]],
  ['a 400-digit parameter count is refused', ['estimate', '-m', `${'9'.repeat(400)}b`], [2]],
  ["--quant ''", ['estimate', '-m', 'llama-3.1-8b', '--quant', ''], [2]],
  ["--gpu ''", ['estimate', '-m', 'llama-3.1-8b', '--gpu', ''], [2]],
  ["--prices ''", [...PLAN, '--prices', ''], [2]],
  ["validate --gpus ''", ['validate', fixture('validate/valid/vllm-serve.sh'), '--gpus', ''], [2]],
  ['validate of an empty directory', ['validate', emptyDir], [2]],
  ['validate of a directory without deployment files', ['validate', noDeploy], [2]],
  ['a 2 MB YAML mapping of 180k keys', ['validate', bigYaml, '--format', 'json'], [0, 1, 2]],
  ['a 200k-line `\\` continuation chain', ['validate', chain, '--format', 'json'], [0, 1, 2]],
  ['an unclosed """ in a Python launcher', ['validate', python, '--format', 'json'], [0, 1, 2]],
];

/** Spawns the bundle, reads one byte of stdout and closes the pipe. */
function readOneByteThenClose(argv: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--max-old-space-size=200', BIN, ...argv], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GPUPLAN_DEBUG: '' } });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.stdout.once('data', () => child.stdout.destroy());
    const timer = setTimeout(() => child.kill('SIGKILL'), SPAWN_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ argv, code, signal, stdout: '', stderr });
    });
  });
}

describe('fuzz: known-bad inputs (issue 15, built CLI)', () => {
  it.each(KNOWN_BAD)('%s', (what, argv, allowed) => {
    checkOutcome(runSpawned(argv), what, allowed);
  });

  it('catalog models with stdout on /dev/full → exit 2, one line', () => {
    const full = openSync('/dev/full', 'w');
    try {
      const outcome = runSpawned(['catalog', 'models'], { stdio: ['ignore', full, 'pipe'] });
      checkOutcome(outcome, 'stdout on /dev/full', [2]);
      expect(outcome.stderr).toMatch(/^gpuplan: cannot write the output: no space left on the device \(ENOSPC\)\n$/);
    } finally {
      closeSync(full);
    }
  });

  it('validate --format json into a reader that closes after 1 byte → exit 2 (or 0), no stack trace', async () => {
    // Clean files (exit 0 when all is written), enough of them that the report outgrows the pipe buffer.
    const many = caseDir('many');
    for (let i = 0; i < 20; i++) cpSync(fixture('validate/valid'), join(many, `copy-${i}`), { recursive: true });
    const outcome = await readOneByteThenClose(['validate', many, '--format', 'json', '--verbose']);
    // Exit 0 when the whole report fit in the pipe before the reader left; the report itself is not read.
    checkOutcome(outcome, 'stdout closed after 1 byte', [0, 2], { stdoutSeen: false });
  });
});
