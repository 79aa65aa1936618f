#!/usr/bin/env node
// The hostile inputs of issue 15, run against the shipped bundle: exit code, the error
// line, wall time and peak memory (maxRSS) of each. A measurement, not a test: CI load
// makes timings noisy, so the tests (test/fuzz/) assert codes and messages and guard
// against hangs, and this script shows the time and memory. `npm run hostile`.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/gpuplan.cjs', import.meta.url));
const CONFIG = fileURLToPath(new URL('../test/fixtures/configs/llama-3.1-70b.config.json', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'gpuplan-hostile-'));
const at = (name) => join(dir, name);
const rssFile = at('rss');
// Peak resident memory of the child, written as it exits (process.resourceUsage().maxRSS, KiB).
const RSS_HOOK = `data:text/javascript,import{writeFileSync}from'node:fs';process.on('exit',()=>writeFileSync(${JSON.stringify(rssFile)},String(process.resourceUsage().maxRSS)))`;

// The inputs.
const real = JSON.parse(readFileSync(CONFIG, 'utf8'));
writeFileSync(at('prices.yaml'), 'h100-sxm: 1.1\n');
writeFileSync(at('layers.json'), JSON.stringify({ ...real, num_hidden_layers: 1e12 }));
writeFileSync(at('experts.json'), JSON.stringify({ ...real, model_type: 'mixtral', num_local_experts: 1e10, num_experts_per_tok: 2 }));
writeFileSync(at('proto.json'), JSON.stringify({ ...real, torch_dtype: '__proto__' }));
spawnSync('mkfifo', [at('fifo.json')]);
writeFileSync(at('keys.yaml'), `services:\n  vllm:\n    image: vllm/vllm-openai:latest\n    command: ["m"]\nx:\n${Array.from({ length: 180_000 }, (_, i) => `  k${i}: ${i}\n`).join('')}`);
writeFileSync(at('keys-small.yaml'), `services:\n  vllm:\n    image: vllm/vllm-openai:latest\n    command: ["m"]\nx:\n${Array.from({ length: 15_000 }, (_, i) => `  k${i}: ${i}\n`).join('')}`);
writeFileSync(at('chain.sh'), `vllm serve m \\\n${'  --x 1 \\\n'.repeat(20_000)}\n`);
writeFileSync(at('unclosed.py'), `import subprocess\nsubprocess.run(["vllm", "serve", "m"])\nx = """${'a "" b\n'.repeat(30_000)}`);
// A GGUF header of six arrays of a million u64 (48 MB): the parser would make 6 million BigInts.
// Written by a child process: on Linux a child's maxRSS starts from its parent's at fork,
// so this process must stay small for the figures below to be the CLI's own.
spawnSync(process.execPath, [
  '-e',
  `const fs = require('node:fs');
   const u32 = (n) => Buffer.from(new Uint32Array([n]).buffer);
   const u64 = (n) => Buffer.from(new BigUint64Array([BigInt(n)]).buffer);
   const str = (s) => Buffer.concat([u64(Buffer.byteLength(s)), Buffer.from(s)]);
   const fd = fs.openSync(process.argv[1], 'w');
   fs.writeSync(fd, Buffer.concat([Buffer.from('GGUF'), u32(3), u64(0), u64(6)]));
   for (let i = 0; i < 6; i++) { fs.writeSync(fd, Buffer.concat([str('x.a' + i), u32(9), u32(10), u64(1000000)])); fs.writeSync(fd, Buffer.alloc(8000000)); }
   fs.closeSync(fd);`,
  at('bomb.gguf'),
]);
mkdirSync(at('empty'));
mkdirSync(at('loop'));
symlinkSync('/', at('loop/root'));
symlinkSync('.', at('loop/self'));
writeFileSync(at('loop/README.md'), 'no deployment here\n');
mkdirSync(at('ro'));
chmodSync(at('ro'), 0o555);

const CASES = [
  ['--prices YAML in the bundle', ['plan', '-m', 'llama-3.1-8b', '-b', '1xH100', '--prices', at('prices.yaml')]],
  ['--prices /dev/zero', ['plan', '-m', 'llama-3.1-8b', '-b', '1xH100', '--prices', '/dev/zero']],
  ['--model a FIFO', ['estimate', '-m', at('fifo.json')]],
  ['hf:../model', ['estimate', '-m', 'hf:../model', '--offline']],
  ['config with 10^12 layers', ['estimate', '-m', at('layers.json')]],
  ['config with 10^10 experts', ['estimate', '-m', at('experts.json')]],
  ['torch_dtype "__proto__"', ['estimate', '-m', at('proto.json'), '--json']],
  ['GGUF header of 6 × 10^6 u64', ['estimate', '-m', at('bomb.gguf')]],
  ['--model 0b', ['plan', '-m', '0b', '-b', '1xH100']],
  ['--model <400 digits>b', ['estimate', '-m', `1${'0'.repeat(400)}b`]],
  ["--quant ''", ['plan', '-m', 'llama-3.1-8b', '-b', '1xH100', '--quant', '']],
  ["--gpu ''", ['estimate', '-m', 'llama-3.1-8b', '--gpu', '']],
  ["validate --gpus ''", ['validate', at('keys-small.yaml'), '--gpus', '']],
  ['validate an empty directory', ['validate', at('empty')]],
  ['validate a directory with a link to /', ['validate', at('loop')]],
  ['validate 180k keys (3 MB)', ['validate', at('keys.yaml')]],
  ['validate 15k keys (230 KB)', ['validate', at('keys-small.yaml')]],
  ['validate a 20k-line \\ chain', ['validate', at('chain.sh')]],
  ['validate an unclosed """', ['validate', at('unclosed.py')]],
  ['ANSI escape in --model', ['plan', '-m', 'a\u001b[31mred', '-b', '1xH100']],
  ["--out ''", ['plan', '-m', 'llama-3.1-8b', '-b', '1xRTX4090', '--out', '']],
  ['--out with a 300-character name', ['plan', '-m', 'llama-3.1-8b', '-b', '1xRTX4090', '--out', at('x'.repeat(300))]],
  ['--out under a read-only directory', ['plan', '-m', 'llama-3.1-8b', '-b', '1xRTX4090', '--out', at('ro/out')]],
];

const rows = [];
for (const [name, args] of CASES) {
  rmSync(rssFile, { force: true });
  const start = performance.now();
  const r = spawnSync(process.execPath, [`--import=${RSS_HOOK}`, BIN, ...args], { encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL', env: { ...process.env, XDG_CACHE_HOME: at('cache') } });
  const ms = performance.now() - start;
  let rss = NaN;
  try {
    rss = Number(readFileSync(rssFile, 'utf8')) / 1024;
  } catch {}
  const line = (r.stderr.trim().split('\n').pop() || r.stdout.trim().split('\n').pop() || '').slice(0, 110);
  rows.push([name, r.status ?? r.signal, Math.round(ms), Number.isNaN(rss) ? '?' : Math.round(rss), line]);
}
rmSync(dir, { recursive: true, force: true });

console.log('| input | exit | ms | peak MB | last line |');
console.log('| --- | --- | ---: | ---: | --- |');
for (const [name, code, ms, mb, line] of rows) console.log(`| ${name} | ${code} | ${ms} | ${mb} | ${line.replace(/\|/g, '\\|')} |`);
