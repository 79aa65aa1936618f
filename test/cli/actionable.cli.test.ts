/**
 * Issue 16: the commands a new user tried, and that left them stuck or misled, now give an
 * answer they can act on. Every suggested command is run: it must plan (exit 0), since a
 * suggestion is a search that found a fit, not a guess.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'shell-quote';
import { describe, expect, it } from 'vitest';
import { SUGGESTION_KINDS, type PlanResult } from '../../src/planner/schema.js';
import { catalog } from '../helpers.js';
import { gpuplan } from './run.js';

function planJson(args: string[]): { code: number | null; result: PlanResult } {
  const r = gpuplan(['plan', ...args, '--json']);
  expect(r.stderr).toBe('');
  return { code: r.code, result: JSON.parse(r.stdout) as PlanResult };
}

/** Runs a suggestion's command line as printed (gpuplan plan …) and returns its plan. */
function runSuggested(command: string): PlanResult {
  const argv = parse(command).map(String);
  expect(argv.slice(0, 2)).toEqual(['gpuplan', 'plan']);
  const { code, result } = planJson(argv.slice(2));
  expect(code, command).toBe(0);
  return result;
}

const segmentOf = (id: string) => catalog.gpus.find((g) => g.id === id);
const classOf = (id: string) => `${segmentOf(id)?.vendor} ${segmentOf(id)?.segment}`;

/** The order issue 16 asks for: engine knobs, more of the same GPU, larger GPUs of the class, other hardware, then the rest. */
function expectOrdered(result: PlanResult): void {
  const ranks = result.suggestions.map((s) => SUGGESTION_KINDS.indexOf(s.kind));
  expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
}

describe('budgets people type', () => {
  it.each(['4x4090', '1x4090', '2x3090', 'RTX4090', '2X3090'])('plan --budget %s plans on that GPU', (budget) => {
    const { code, result } = planJson(['--model', 'llama-3.1-8b', '--budget', budget]);
    expect(code).toBe(0);
    expect(result.plan?.gpu.id).toMatch(budget.includes('3090') ? /^rtx-3090$/ : /^rtx-4090$/);
  });
});

describe('nothing fits, and the answer says why and what would', () => {
  it('DeepSeek-V3 in bf16 on SGLang: no bf16 weights exist; names those that do, with their engines, and a searched alternative', () => {
    const { code, result } = planJson(['--model', 'deepseek-v3-671b', '--budget', '4x8xA100', '--quant', 'bf16', '--engine', 'sglang']);
    expect(code).toBe(1);
    const why = result.whyNothingFits;
    expect(why?.reasons[0]).toMatch(/--quant bf16: deepseek-v3-671b has no bf16 weights/);
    // The catalog's published artifacts, each with the engines that run it (deepseek-v3.yaml: FP8 from deepseek-ai, an AWQ, an Ollama GGUF).
    expect(why?.reasons[0]).toMatch(/fp8 \(hf:deepseek-ai\/DeepSeek-V3, [\d.]+ GiB; vLLM, SGLang\)/);
    expect(why?.reasons[0]).toMatch(/q4_k_m \(ollama:deepseek-v3:671b, [\d.]+ GiB; Ollama\)/);
    expect(why?.weights.every((w) => w.excludedBy === '--quant')).toBe(true);
    expect(result.searched).toBe(0);
    const other = result.suggestions.find((s) => s.kind === 'other-quantization');
    expect(other?.command).toMatch(/--engine sglang --quant (fp8|awq-int4)/);
    for (const s of result.suggestions) expect(runSuggested(s.command).plan?.engine).toBe('sglang');
  });

  it('DeepSeek-R1 AWQ on 8×L40S at 2k: the nearest miss with its numbers, the ceiling of --gpu-mem-util, then more L40S first', () => {
    const { code, result } = planJson(['--model', 'deepseek-r1-671b', '--budget', '8xL40S', '--quant', 'awq-int4', '--engine', 'vllm', '--context', '2048']);
    expect(code).toBe(1);
    const miss = result.whyNothingFits?.nearestMiss;
    expect([miss?.gpu, miss?.gpuCount, miss?.engine, miss?.tensorParallel]).toEqual(['l40s', 8, 'vllm', 8]);
    expect(miss?.shortfallBytes).toBeGreaterThan(0);
    expect(result.whyNothingFits?.reasons.join('\n')).toMatch(/Nearest miss: 8xl40s awq-int4 vllm tp8 .* lacks [\d.]+ GiB per GPU: weights [\d.]+ GiB/);
    expect(result.whyNothingFits?.reasons.join('\n')).toMatch(/Even with 95% of each GPU \(--gpu-mem-util 0\.95/);
    // 1, 2 and 4 L40S cannot hold 327 GiB of weights (ruled out before any engine); 8 try vLLM's TP1..8 × PP layouts of 8 GPUs.
    expect(result.searched).toBe(3 + 4);
    expect(result.modelled).toBe(4);
    expectOrdered(result);
    expect(result.suggestions[0]?.kind).toBe('more-gpus');
    expect(result.suggestions[0]?.command).toMatch(/--budget 2x8xl40s/);
    for (const s of result.suggestions) expect(s.tradeoff).toBeTruthy();
    for (const s of result.suggestions) runSuggested(s.command);
  });

  it('Llama-3.1-70B FP8 on one H100: suggestions stay with the H100 (or larger NVIDIA datacenter GPUs) before other hardware', () => {
    const { code, result } = planJson(['--model', 'llama-3.1-70b', '--budget', '1xH100-SXM', '--quant', 'fp8', '--engine', 'vllm']);
    // RedHatAI's FP8 checkpoint fits one H100 only below 32k tokens of KV: nothing fits at the default context.
    expect(code).toBe(1);
    expect(result.suggestions[0]?.kind).toBe('shorter-context');
    expectOrdered(result);
    const hardware = result.suggestions.filter((s) => ['more-gpus', 'larger-gpus', 'other-hardware'].includes(s.kind));
    expect(hardware[0]?.kind).not.toBe('other-hardware');
    for (const s of result.suggestions) {
      const planned = runSuggested(s.command).plan;
      if (s.kind === 'more-gpus') expect(planned?.gpu.id).toBe('h100-sxm');
      if (s.kind === 'larger-gpus') expect(classOf(planned?.gpu.id ?? '')).toBe('nvidia datacenter');
    }
  });

  it('gpt-oss-120b at 131k × 128 on 8×H100: an engine knob first, then more H100s; never a consumer GPU before them', () => {
    const { code, result } = planJson(['--model', 'gpt-oss-120b', '--budget', '8xH100', '--context', '131072', '--concurrency', '128']);
    expect(code).toBe(1);
    expectOrdered(result);
    expect(['memory-fraction', 'kv-dtype', 'shorter-context', 'fewer-requests', 'engine-knobs']).toContain(result.suggestions[0]?.kind);
    const more = result.suggestions.find((s) => s.kind === 'more-gpus');
    expect(more?.command).toMatch(/--budget \dx8xh100-(sxm|pcie)/);
    for (const s of result.suggestions) runSuggested(s.command);
  });

  it('--quant below --min-bits is bad input (exit 2), not "no such weights"', () => {
    const r = gpuplan(['plan', '--model', 'llama-3.1-8b', '--budget', '1x4090', '--quant', 'awq-int4', '--min-bits', '8']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--quant "awq-int4": awq-int4 is below --min-bits 8/);
  });

  it('a distilled model is suggested at the context it supports, and --prices is carried into every command', () => {
    const { result } = planJson(['--model', 'deepseek-r1-671b', '--budget', '8xA100-40G', '--context', '163840']);
    const distill = result.suggestions.find((s) => s.kind === 'distill');
    expect(distill?.command).toMatch(/--context 131072/);
    if (distill) runSuggested(distill.command);
  });

  it('--prices is repeated in every suggested command, so each plans at the prices it was searched at', () => {
    const prices = join(mkdtempSync(join(tmpdir(), 'gpuplan-prices-')), 'prices.yaml');
    writeFileSync(prices, 'a100-80g: 0.5\n');
    const { result } = planJson(['--model', 'deepseek-r1-671b', '--budget', '8xA100-40G', '--prices', prices]);
    expect(result.suggestions.length).toBeGreaterThan(0);
    for (const s of result.suggestions) {
      expect(s.command).toContain(`--prices ${prices}`);
      expect(runSuggested(s.command).plan?.costPerHour).toBe(s.costPerHour);
    }
  });

  it('--min-bits above 16 is bad input (exit 2), not a plan that contradicts itself', () => {
    const r = gpuplan(['plan', '--model', 'llama-3.1-8b', '--budget', '1xl4', '--min-bits', '20']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--min-bits.*'20'.*at most 16/);
  });
});

describe('what the files run', () => {
  it('DeepSeek AWQ on SGLang renders --quantization moe_wna16 (SGLang DeepSeek guide, "Serving with 8 x A100")', () => {
    const { code, result } = planJson(['--model', 'deepseek-r1-671b', '--budget', '8xA100-80G', '--engine', 'sglang', '--quant', 'awq-int4']);
    expect(code).toBe(0);
    expect(result.plan?.settings.quantization).toBe('moe_wna16');
  });
});
