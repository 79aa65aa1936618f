#!/usr/bin/env node
// Makes dist/bundle/cli.<V8 version>.cache, the V8 code cache bin/gpuplan.cjs starts the CLI with: a first line
// naming the build of cli.cjs it was made from (that script's last line), then V8's data.
//
// A run of the CLI spends about as long compiling the functions it calls, the first time it calls them, as it
// spends running them (`npm run bench`). A code cache made after running the common commands holds those
// functions compiled: V8 then reads them instead of parsing and compiling. The cache is V8's own format, valid for
// one V8 version (hence the name) and V8 flags, which V8 checks, and one build of the script, which V8 checks only by
// its length: bin/gpuplan.cjs pairs the two by their build lines. Run by another Node
// after `npm run build` (`node scripts/code-cache.mjs`), it adds a cache for that Node's V8 beside the first.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const BUNDLE_DIR = fileURLToPath(new URL('../dist/bundle/', import.meta.url));
const SCRIPT = join(BUNDLE_DIR, 'cli.cjs');
const CACHE = join(BUNDLE_DIR, `cli.${process.versions.v8}.cache`);
/** What a Node given no options of its own runs with: the only one bin/gpuplan.cjs uses the cache in. */
const PLAIN_NODE_ENV = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_OPTIONS'));

// V8 flags (NODE_OPTIONS=--max-old-space-size=…, common in CI) go into the cache, and V8 refuses it in a Node without
// them, which is the only Node that asks for it: make it in a Node given no options.
if (process.execArgv.length > 0 || process.env.NODE_OPTIONS) {
  const again = spawnSync(process.execPath, [fileURLToPath(import.meta.url)], { stdio: 'inherit', env: PLAIN_NODE_ENV });
  if (again.error) throw again.error;
  process.exit(again.status ?? 1);
}

// The commands whose functions the cache holds: what `npm run bench` times, and what users run most.
const EVERY_GPU = 'a100,h100,h200,h20,b200,l40s,l4,a10g,a10,t4,v100,rtx-a6000,mi300x,rtx-3060,rtx-3090,rtx-4060ti,rtx-4090,rtx-5090,b300,rtx-pro-6000,mi325x,gb200';
const WORKLOADS = [
  ['plan', '--model', 'llama-3.1-8b', '--budget', EVERY_GPU, '--rate', '20', '--input-len', '1000', '--output-len', '300', '--tpot-ms', '50'],
  ['plan', '--model', 'deepseek-r1-671b', '--budget', EVERY_GPU],
  ['plan', '--model', 'deepseek-r1-671b', '--budget', '8xH200', '--engine', 'vllm', '--quant', 'fp8', '--users', '256', '--json'],
  ['plan', '--model', 'llama-3.1-70b', '--budget', '1xT4'],
  ['estimate', '--model', 'llama-3.1-8b', '--gpu', 'h100-sxm', '--engine', 'vllm', '--batch', 'max'],
  ['estimate', '--model', 'qwen3-30b-a3b', '--context', '32768'],
  ['catalog', 'gpus'],
];

const text = readFileSync(SCRIPT, 'latin1');
// The build the script names on its last line (scripts/bundle.mjs): the cache starts with the same line.
const build = /\/\/(gpuplan-build [0-9a-f]{16})\n$/.exec(text)?.[1];
if (!build) throw new Error(`code-cache: ${SCRIPT} does not end with its build line; run scripts/bundle.mjs`);
const script = new vm.Script(text, { filename: SCRIPT });
const module = { exports: {} };
script.runInThisContext()(module.exports, createRequire(SCRIPT), module, SCRIPT, dirname(SCRIPT));
for (const argv of WORKLOADS) {
  let said = '';
  const code = await module.exports.main(argv, { out: () => {}, err: (text) => (said += text) });
  // 0 fits, 1 does not (the T4 plan): anything else means the workload itself broke.
  if (code !== 0 && code !== 1) throw new Error(`code-cache: gpuplan ${argv.join(' ')} exited ${code}: ${said.trim()}`);
}
writeFileSync(CACHE, Buffer.concat([Buffer.from(`${build}\n`, 'latin1'), script.createCachedData()]));

// The cache is only worth shipping if the CLI, in a Node given no options, starts from it: check, and leave none
// rather than one it cannot use (GPUPLAN_CODE_CACHE=1 makes bin/gpuplan.cjs say why and exit 2).
const BIN = fileURLToPath(new URL('../bin/gpuplan.cjs', import.meta.url));
const check = spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8', env: { ...PLAIN_NODE_ENV, GPUPLAN_CODE_CACHE: '1' } });
if (check.status !== 0) {
  rmSync(CACHE, { force: true });
  throw new Error(`code-cache: the CLI does not start from the cache made for ${SCRIPT}, so none is written: ${check.stderr.trim() || check.error}`);
}
