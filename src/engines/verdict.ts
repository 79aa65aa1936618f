/**
 * The one verdict on a deployment (docs/ARCHITECTURE.md, "One verdict"): whether it
 * fits, starts with fewer requests at once than asked, will not start, or cannot run
 * on this engine at all; why, as a reason code; and, where the engine itself would
 * say it, the engine's own message. The text output, `--json` and the exit code all
 * read this object; nothing parses the message back.
 */
import type { z } from 'zod';
// Type only: the schema's module builds zod objects, which plan and estimate never need at run time.
import type { VerdictSchema } from './verdict-schema.js';

/** `below-target`: it fits and runs, but does not serve the plan's load target within its latency limits. */
export const VERDICT_STATUSES = ['fits', 'reduced-concurrency', 'wont-start', 'cannot-run', 'below-target'] as const;
export type VerdictStatus = (typeof VERDICT_STATUSES)[number];

export const VERDICT_REASONS = [
  /** Everything fits with the requested context and concurrency. */
  'ok',
  /** The KV pool holds fewer requests of the context than asked (the engine still starts). */
  'kv-pool-below-concurrency',
  /** The KV pool cannot hold one sequence of the context (vLLM's ValueError). */
  'kv-below-one-sequence',
  /** Weights, activations and runtime leave nothing for the KV cache. */
  'no-memory-for-kv',
  /** What the engine keeps outside its budget (CUDA context, graphs, activations) does not fit the reserve. */
  'reserve-too-small',
  /** The weights alone exceed the GPUs' memory. */
  'weights-exceed-memory',
  /** Not one layer fits on the GPU (llama.cpp / Ollama). */
  'no-layer-fits',
  /** Some layers would run from host RAM and --cpu-offload was not given. */
  'needs-cpu-offload',
  /** The engine release cannot load this model architecture (catalogs/engine-models/). */
  'model-unsupported',
  /** The engine has no kernels for this quantization on this GPU, or does not serve the format. */
  'quantization-unsupported',
  /** The engine cannot load these weights (format, source, split files). */
  'weights-source-unsupported',
  /** No tensor/pipeline layout of the engine runs on these GPUs. */
  'layout-unsupported',
  /** The release has no such KV cache dtype. */
  'kv-dtype-unsupported',
  /** The engine refuses the model's dtype (e.g. float16 for Gemma 2/3 on vLLM). */
  'dtype-refused',
  /** Quantizing at load time first loads the 16-bit checkpoint, which does not fit the GPUs. */
  'load-peak-exceeds-memory',
  /** It runs, but too slowly for the plan's request rate, users or TPOT/TTFT limits (planner/load.ts). */
  'load-target-missed',
] as const;
export type VerdictReason = (typeof VERDICT_REASONS)[number];

export type Verdict = z.infer<typeof VerdictSchema>;

export const FITS: Verdict = { status: 'fits', reason: 'ok', message: 'fits', engineMessage: null };

export function wontStart(reason: VerdictReason, message: string, engineMessage: string | null = null): Verdict {
  return { status: 'wont-start', reason, message, engineMessage };
}

export function cannotRun(reason: VerdictReason, message: string, engineMessage: string | null = null): Verdict {
  return { status: 'cannot-run', reason, message, engineMessage };
}

export function reducedConcurrency(message: string, engineMessage: string | null = null): Verdict {
  return { status: 'reduced-concurrency', reason: 'kv-pool-below-concurrency', message, engineMessage };
}

export function belowTarget(message: string): Verdict {
  return { status: 'below-target', reason: 'load-target-missed', message, engineMessage: null };
}

export function fits(v: Verdict): boolean {
  return v.status === 'fits';
}
