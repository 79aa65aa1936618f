#!/usr/bin/env node
// The committed examples under examples/: one deploy folder per command below,
// written by the built CLI exactly as a user would run it. `npm run examples`
// rewrites them; test/render/examples.test.ts fails when they are stale.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const EXAMPLES = [
  { dir: 'deepseek-r1-8xa100', args: ['--model', 'deepseek-r1-671b', '--budget', '8xA100'] },
  { dir: 'deepseek-r1-fp8-2x8xh100', args: ['--model', 'deepseek-r1-671b', '--budget', '2x8xH100-SXM', '--quant', 'fp8', '--engine', 'vllm'] },
  { dir: 'r1-distill-7b-rtx4090-ollama', args: ['--model', 'deepseek-r1-distill-qwen-7b', '--budget', '4090', '--engine', 'ollama'] },
  { dir: 'llama-3.1-70b-10-per-hour', args: ['--model', 'llama-3.1-70b', '--budget', '$10/h'] },
  { dir: 'deepseek-r1-1.58bit-llamacpp-offload', args: ['--model', 'deepseek-r1-671b', '--budget', '2xRTX-4090', '--engine', 'llamacpp', '--min-bits', '1.5', '--cpu-offload'] },
  { dir: 'qwen2.5-72b-sglang-4xh100', args: ['--model', 'qwen2.5-72b', '--budget', '4xH100-SXM', '--engine', 'sglang', '--concurrency', '8'] },
  { dir: 'llama-3.1-70b-mi300x', args: ['--model', 'llama-3.1-70b', '--budget', 'MI300X'] },
  // Sized for load (issue 18): data-parallel copies behind one endpoint, DP attention with expert parallel, llama.cpp replicas.
  { dir: 'llama-3.1-8b-rate-20-8xh100', args: ['--model', 'llama-3.1-8b', '--budget', '8xH100', '--rate', '20', '--input-len', '1000', '--output-len', '300', '--tpot-ms', '50'] },
  { dir: 'deepseek-r1-256-users-8xh200', args: ['--model', 'deepseek-r1-671b', '--budget', '8xH200', '--engine', 'vllm', '--quant', 'fp8', '--users', '256'] },
  { dir: 'llama-3.1-70b-rate-20-16xh100', args: ['--model', 'llama-3.1-70b', '--budget', '16xH100', '--rate', '20', '--input-len', '1000', '--output-len', '300', '--tpot-ms', '50'] },
  { dir: 'llama-3.1-8b-llamacpp-replicas-4x4090', args: ['--model', 'llama-3.1-8b', '--budget', '4xRTX-4090', '--engine', 'llamacpp', '--rate', '6', '--input-len', '500', '--output-len', '200'] },
];

const BIN = fileURLToPath(new URL('../bin/gpuplan.cjs', import.meta.url));

/** Runs `gpuplan plan <args> --out <out> --force`; returns the CLI's exit code and stderr. */
export function renderExample(example, out) {
  const run = spawnSync(process.execPath, [BIN, 'plan', ...example.args, '--out', out, '--force'], { encoding: 'utf8' });
  return { code: run.status, stderr: run.stderr };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('../examples/', import.meta.url));
  for (const example of EXAMPLES) {
    // A plan that changed engine writes other files: start from an empty folder.
    rmSync(`${root}${example.dir}`, { recursive: true, force: true });
    const { code, stderr } = renderExample(example, `${root}${example.dir}`);
    if (code !== 0) {
      console.error(`examples: gpuplan plan ${example.args.join(' ')} exited ${code}\n${stderr}`);
      process.exit(1);
    }
    console.log(`examples/${example.dir}: gpuplan plan ${example.args.join(' ')}`);
  }
}
