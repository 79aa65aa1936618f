import { Command, CommanderError } from 'commander';
import { oneLine, terminalSafe, UserError } from '../util/errors.js';
import { describeErrno } from '../util/user-file.js';
import { VERSION } from '../version.js';
import { LIMITS } from '../catalog/limits.js';
import { MODES } from '../memory/modes.js';
import { ENGINE_IDS, KV_DTYPES } from '../engines/ids.js';
import { DEFAULT_INPUT_LEN, DEFAULT_OUTPUT_LEN } from '../perf/workload.js';
import { batchSize, choice, fraction, hubRepo, nonEmpty, nonEmptyList, positiveNumber, wholeNumber } from './options.js';
import { runEstimate, type EstimateOptions } from './estimate.js';
import { runPlan, type PlanOptions } from './plan.js';
import { writeText } from './stdio.js';

export { writesPending } from './stdio.js';

/**
 * Exit codes of the CLI contract (docs/ARCHITECTURE.md): 0 it fits (or the files are
 * clean), 1 it does not (or validate found errors), 2 bad input, 70 a gpuplan bug
 * (sysexits EX_SOFTWARE), which asks for a report.
 */
export const EXIT = { ok: 0, no: 1, badInput: 2, internal: 70 } as const;

/** GPUs in one layout: the budget grammar's ceiling (planner/budget.ts). */
const MAX_GPUS = 4096;
/** Sequences at once: far above any engine's running-request limit (vLLM's default is 256-1024). */
const MAX_SEQUENCES = 1_000_000;
/** Ceilings of the load options: a million requests per second, an hour per token. */
const MAX_RATE = 1_000_000;
const MAX_LATENCY_MS = 3_600_000;

const HF_REPO_HELP = "with a config.json model: the Hugging Face repo (and revision) its weights come from, instead of the config's folder";
const OFFLINE_HELP = 'hf: models only from the cache (or, for repos the catalog knows, from the catalog), never the network';

const ENGINE_VERSION_HELP = 'engine release whose flags, defaults and images to use (default: the newest known; `gpuplan catalog engines`)';

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

/**
 * Standard output that cannot be written (a full disk, `>/dev/full`, a pipe whose reader left:
 * `| head -c1`) is the user's environment, not a bug: one line and exit 2. Writes are synchronous
 * (`stdio.ts`) and fail at once; only a stream that took over a non-blocking descriptor fails
 * later, as an 'error' event, handled by `onOutputClosed`.
 */
class OutputError extends UserError {}

const defaultIo: Io = {
  out: (text) => {
    try {
      writeText(1, text, onOutputClosed);
    } catch (error) {
      throw new OutputError(`cannot write the output: ${describeErrno(error)}`);
    }
  },
  err: (text) => {
    try {
      writeText(2, text, () => {});
    } catch {
      // Nowhere left to say it; the exit code still does.
    }
  },
};

function onOutputClosed(error: NodeJS.ErrnoException): void {
  defaultIo.err(`gpuplan: cannot write the output: ${describeErrno(error)}\n`);
  process.exit(EXIT.badInput);
}

/** A zod failure that escaped a `parseWith`: its first issue, in one line. */
function zodIssue(error: unknown): string | null {
  const issues = (error as { name?: unknown; issues?: unknown } | null)?.issues;
  if ((error as Error | null)?.name !== 'ZodError' || !Array.isArray(issues) || issues.length === 0) return null;
  const first = issues[0] as { path?: unknown[]; message?: string };
  return `${(first.path ?? []).join('.') || 'input'}: ${first.message ?? 'invalid'}`;
}

/** A file-system error that escaped its caller (it has the path): the environment, not a bug. */
function fileSystemError(error: unknown): string | null {
  const e = error as NodeJS.ErrnoException | null;
  return e && typeof e.code === 'string' && typeof e.syscall === 'string' && typeof e.path === 'string' ? `cannot ${e.syscall} "${e.path}": ${describeErrno(e)}` : null;
}

function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('gpuplan')
    .description('Plan GPU deployments of open-weights LLMs: the cheapest hardware that really fits, and the files that run it.')
    .version(VERSION)
    .option('--catalog <dir>', 'use this catalog directory (gpus.yaml, quantizations.yaml, models/) instead of the bundled one', nonEmpty())
    .showSuggestionAfterError(true)
    // Commander's own errors (a bad option value) read like every other error: one line, `gpuplan: …`.
    // The only other text it writes to stderr is the whole help when no known command is given (exit 2):
    // dropped, so that error is one line too (`main` says it; `--help` still prints help on stdout).
    .configureOutput({ writeOut: io.out, writeErr: () => {}, outputError: (text) => io.err(`gpuplan: ${oneLine(text.replace(/^error: /, '').trimEnd())}\n`) })
    .exitOverride();

  program
    .command('plan')
    .description('Find the cheapest deployment that really fits the budget, and explain why not cheaper.')
    .requiredOption('-m, --model <model>', 'catalog id or alias, hf:org/name[@rev], a .gguf file, or a config.json', nonEmpty())
    .option('--hf-repo <org/name[@rev]>', HF_REPO_HELP, hubRepo())
    .option('--offline', OFFLINE_HELP)
    .requiredOption('-b, --budget <budget>', 'GPUs or money: 8xA100, 8xA100-80G, 2x8xH100, H100, <=16xH100, $25/h; alternatives separated by commas', nonEmpty())
    .option('-e, --engine <engine>', `auto | ${ENGINE_IDS.join(' | ')}`, choice(['auto', ...ENGINE_IDS] as const), 'auto')
    .option('-c, --context <tokens>', 'tokens per request (default 32768, capped at the model maximum)', wholeNumber(1, LIMITS.positions))
    .option('-n, --concurrency <n>', 'requests served at once at that context', wholeNumber(1, MAX_SEQUENCES), 1)
    .option('--input-len <tokens>', `prompt tokens per request for speeds and load (default ${DEFAULT_INPUT_LEN})`, wholeNumber(1, LIMITS.positions))
    .option('--output-len <tokens>', `output tokens per request (default ${DEFAULT_OUTPUT_LEN})`, wholeNumber(1, LIMITS.positions))
    .option('--rate <req/s>', 'load target: requests per second to serve (sizes replicas, data and expert parallel)', positiveNumber(MAX_RATE))
    .option('--users <n>', 'load target: users with one request in flight each', wholeNumber(1, MAX_SEQUENCES))
    .option('--tpot-ms <ms>', 'latency limit: time per output token, milliseconds', positiveNumber(MAX_LATENCY_MS))
    .option('--ttft-ms <ms>', 'latency limit: time to first token, milliseconds', positiveNumber(MAX_LATENCY_MS))
    .option('-q, --quant <list>', 'only these quantizations, comma-separated (e.g. awq-int4,q4_k_m)', nonEmpty())
    // 16 is the top: 16-bit weights are the published full-quality checkpoints (quality rank 100), and fp32 adds no quality.
    .option('--min-bits <bits>', 'quality floor in bits per weight, at most 16 (1.58-bit dynamic GGUFs need 1.5)', fraction(0, 16), 4)
    .option('--gpu-mem-util <f>', 'fraction of GPU memory the engine may take (vLLM gpu_memory_utilization, SGLang mem_fraction_static)', fraction(0.05, 1))
    .option('--engine-version <version>', `with --engine: ${ENGINE_VERSION_HELP}`, nonEmpty())
    .option('--kv-dtype <dtype>', `KV cache dtype, one the engine takes: ${KV_DTYPES.join(', ')}`, choice(KV_DTYPES), 'auto')
    .option('--cpu-offload', 'let llama.cpp/Ollama keep layers that do not fit in host RAM (slow)')
    .option('--prices <file>', 'YAML/JSON of your own $/hour per GPU (e.g. "a100-80g: 1.10")', nonEmpty())
    .option('--top <n>', 'runners-up to list', wholeNumber(0, 1000), 3)
    .option('-o, --out <dir>', 'write the deploy files (compose, launch script, PLAN.md, plan.json) into this directory', nonEmpty())
    .option('--force', 'with --out: replace files that already exist')
    .option('--json', 'machine-readable output')
    .action(async (_opts: PlanOptions, command: Command) => {
      setExit(await runPlan(command.optsWithGlobals<PlanOptions>(), io));
    });

  program
    .command('estimate')
    .description('Explain the memory one configuration needs, term by term (inference or training).')
    .requiredOption('-m, --model <model>', 'catalog id or alias, hf:org/name[@rev], a .gguf file, a config.json, or a parameter count like 20b', nonEmpty())
    .option('--hf-repo <org/name[@rev]>', HF_REPO_HELP, hubRepo())
    .option('--offline', OFFLINE_HELP)
    .option('-q, --quant <quant>', 'quantization (default: the checkpoint as published)', nonEmpty())
    .option('-c, --context <tokens>', 'tokens per sequence (inference default 32768 capped at the model maximum; training default 2048)', wholeNumber(1, LIMITS.positions))
    .option('-n, --concurrency <n>', 'sequences held at once (inference)', wholeNumber(1, MAX_SEQUENCES), 1)
    .option('--tp <n>', 'tensor-parallel degree', wholeNumber(1, MAX_GPUS), 1)
    .option('--pp <n>', 'pipeline-parallel degree', wholeNumber(1, MAX_GPUS), 1)
    .option('--gpu <gpu>', 'GPU to check the per-GPU total against', nonEmpty())
    .option('--kv-dtype <dtype>', `KV cache dtype, one the engine takes: ${KV_DTYPES.join(', ')}`, choice(KV_DTYPES), 'auto')
    .option('-e, --engine <engine>', `with --gpu: the engine's own accounting (${ENGINE_IDS.join(' | ')})`, choice(ENGINE_IDS))
    .option('--engine-version <version>', `with --engine: ${ENGINE_VERSION_HELP}; an older version without a record reads with the release whose memory behaviour it shares`, nonEmpty())
    .option('--gpu-mem-util <f>', 'with --engine: vLLM gpu_memory_utilization / SGLang mem_fraction_static', fraction(0.05, 1))
    .option('--mode <mode>', MODES.join(' | '), choice(MODES), 'inference')
    .option('--zero <stage>', 'training: ZeRO stage 0-3', choice(['0', '1', '2', '3'] as const), '0')
    .option('--dp <n>', "data-parallel ranks: with --engine, servers of TP × PP GPUs (a MoE model's share its experts); training: GPUs the ZeRO states are split over", wholeNumber(1, MAX_GPUS), 1)
    .option('--gpus <n>', 'with --engine: GPUs in all (DP × TP × PP for vLLM/SGLang; the layer split for llama.cpp/Ollama)', wholeNumber(1, MAX_GPUS))
    .option('--expert-parallel', 'with --engine vllm|sglang and a MoE model: run the experts expert-parallel')
    .option('--batch <n|max>', 'with --engine: requests in flight for the speed estimate, or max (what the engine sustains); default --concurrency', batchSize(MAX_SEQUENCES))
    .option('--input-len <tokens>', `with --engine: prompt tokens per request for the speed estimate (default ${DEFAULT_INPUT_LEN})`, wholeNumber(1, LIMITS.positions))
    .option('--output-len <tokens>', `with --engine: output tokens per request (default ${DEFAULT_OUTPUT_LEN})`, wholeNumber(1, LIMITS.positions))
    .option('--micro-batch <n>', 'training: sequences per GPU per step', wholeNumber(1, MAX_SEQUENCES), 1)
    .option('--lora-rank <r>', 'training: LoRA rank', wholeNumber(1, LIMITS.hiddenSize), 16)
    .option('--no-checkpointing', 'training: keep all activations (no gradient checkpointing)')
    .option('--eager-attention', 'training: attention that stores its score matrices (no flash attention)')
    .option('--json', 'machine-readable output')
    .action(async (_opts: EstimateOptions, command: Command) => {
      setExit(await runEstimate(command.optsWithGlobals<EstimateOptions>(), io));
    });

  program
    .command('render')
    .description('Write the deploy files of a saved plan (plan.json from `plan --out` or `plan --json`).')
    .argument('<plan.json>', 'the plan to render')
    .requiredOption('-o, --out <dir>', 'directory to write into', nonEmpty())
    .option('--force', 'replace files that already exist')
    .option('--engine-version <version>', "render for another release of the plan's engine (its image; every flag must exist in it)")
    .action(async (planFile: string, _opts: unknown, command: Command) => {
      const { runRender } = await import('./render.js');
      setExit(await runRender(planFile, command.optsWithGlobals<{ out: string; force?: boolean; engineVersion?: string }>(), io));
    });

  program
    .command('validate')
    .description('Check compose files, launch scripts, Modelfiles and Kubernetes manifests before they deploy: flags, parallelism, memory.')
    .argument('<paths...>', 'files, directories (searched for *.yml, *.yaml, *.sh, Modelfile) or globs')
    .option('--gpus <NxGPU>', 'the GPUs the files will run on, e.g. 8xA100-80G (memory and quantization checks)', nonEmpty())
    .option('--gpu <gpu>', 'the GPU type; the count comes from each file (GPU reservations)', nonEmpty())
    .option('--format <format>', 'text | json | github', choice(['text', 'json', 'github'] as const), 'text')
    .option('--strict', 'fail (exit 1) when a file runs nothing gpuplan recognises')
    .option('--engine-version <engine=version>', 'read launches of an engine as this release (e.g. vllm=0.11.0), over what the image tag says; repeat for more engines', nonEmptyList())
    .option('--verbose', 'also print notes: what could not be checked and why')
    .action(async (paths: string[], _opts: unknown, command: Command) => {
      const { runValidate } = await import('./validate.js');
      setExit(await runValidate(paths, command.optsWithGlobals(), io));
    });

  program
    .command('catalog')
    .description('List the bundled catalogs.')
    .argument('<what>', 'models | gpus | quants | engines')
    .option('--json', 'machine-readable output')
    .action(async (what: string, _opts: unknown, command: Command) => {
      const { runCatalog } = await import('./catalog.js');
      setExit(await runCatalog(what, command.optsWithGlobals(), io));
    });

  return program;
}

/** Runs the CLI; returns the exit code. Never throws for user error. */
export async function main(argv: string[], given: Io = defaultIo): Promise<number> {
  // Whatever came from files or arguments reaches the terminal with its control characters escaped.
  const io: Io = { out: (text) => given.out(terminalSafe(text)), err: (text) => given.err(terminalSafe(text)) };
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version exit 0; everything else commander rejects is bad input
      if (error.exitCode === 0) return EXIT.ok;
      if (error.code === 'commander.help') io.err(`gpuplan: expected a command: plan, estimate, render, validate or catalog (gpuplan --help describes them)\n`);
      return EXIT.badInput;
    }
    const userMessage = error instanceof UserError ? error.message : (zodIssue(error) ?? fileSystemError(error));
    if (userMessage !== null) {
      io.err(`gpuplan: ${oneLine(userMessage)}\n`);
      return EXIT.badInput;
    }
    // Anything else is a bug in gpuplan, not the user's input: say so in one line, and ask for a report.
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    io.err(`gpuplan: internal error (a bug in gpuplan ${VERSION}, not in your input): ${oneLine(detail)}; please report it with the command you ran (GPUPLAN_DEBUG=1 prints the stack)\n`);
    if (process.env.GPUPLAN_DEBUG) io.err(`${error instanceof Error ? error.stack : ''}\n`);
    return EXIT.internal;
  }
}
