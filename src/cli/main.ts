import { Command, CommanderError } from 'commander';
import { UserError } from '../util/errors.js';
import { VERSION } from '../version.js';
import { MODES } from '../memory/modes.js';
import { KV_DTYPES } from '../memory/kvcache.js';
import { choice, wholeNumber } from './options.js';
import type { EstimateOptions } from './estimate.js';

/** Exit codes of the CLI contract (DESIGN.md). */
export const EXIT = { ok: 0, no: 1, badInput: 2 } as const;

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('gpuplan')
    .description('Plan GPU deployments of open-weights LLMs: the cheapest hardware that really fits, and the files that run it.')
    .version(VERSION)
    .option('--catalog <dir>', 'use this catalog directory (gpus.yaml, quantizations.yaml, models/) instead of the bundled one')
    .showSuggestionAfterError(true)
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();

  program
    .command('estimate')
    .description('Explain the memory one configuration needs, term by term (inference or training).')
    .requiredOption('-m, --model <model>', 'catalog id or alias, path to a config.json, or a parameter count like 20b')
    .option('-q, --quant <quant>', 'quantization (default: the checkpoint as published)')
    .option('-c, --context <tokens>', 'tokens per sequence (inference default 32768 capped at the model maximum; training default 2048)', wholeNumber())
    .option('-n, --concurrency <n>', 'sequences held at once (inference)', wholeNumber(), 1)
    .option('--tp <n>', 'tensor-parallel degree', wholeNumber(), 1)
    .option('--pp <n>', 'pipeline-parallel degree', wholeNumber(), 1)
    .option('--gpu <gpu>', 'GPU to check the per-GPU total against')
    .option('--kv-dtype <dtype>', `KV cache dtype: ${KV_DTYPES.join(', ')}`, choice(KV_DTYPES), 'auto')
    .option('--mode <mode>', MODES.join(' | '), choice(MODES), 'inference')
    .option('--zero <stage>', 'training: ZeRO stage 0-3', choice(['0', '1', '2', '3'] as const), '0')
    .option('--dp <n>', 'training: data-parallel GPUs the ZeRO states are split over', wholeNumber(), 1)
    .option('--micro-batch <n>', 'training: sequences per GPU per step', wholeNumber(), 1)
    .option('--lora-rank <r>', 'training: LoRA rank', wholeNumber(), 16)
    .option('--no-checkpointing', 'training: keep all activations (no gradient checkpointing)')
    .option('--eager-attention', 'training: attention that stores its score matrices (no flash attention)')
    .option('--json', 'machine-readable output')
    .action(async (_opts: EstimateOptions, command: Command) => {
      const { runEstimate } = await import('./estimate.js');
      setExit(await runEstimate(command.optsWithGlobals<EstimateOptions>(), io));
    });

  program
    .command('catalog')
    .description('List the bundled catalogs.')
    .argument('<what>', 'models | gpus | quants')
    .option('--json', 'machine-readable output')
    .action(async (what: string, _opts: unknown, command: Command) => {
      const { runCatalog } = await import('./catalog.js');
      setExit(await runCatalog(what, command.optsWithGlobals(), io));
    });

  return program;
}

/** Runs the CLI; returns the exit code. Never throws for user error. */
export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
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
      return error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    if (error instanceof UserError) {
      io.err(`gpuplan: ${error.message}\n`);
      return EXIT.badInput;
    }
    throw error;
  }
}
