/**
 * Arguments (issue 15): argv drawn from a grammar of the real commands and options, with
 * values that are real, or hostile (empty, blank, 10k characters, control characters,
 * `-`-prefixed, 1e309, 0, -1, 400 digits, unicode) → in-process `main`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, it, vi } from 'vitest';
import { fixture } from '../helpers.js';
import { hostileString } from './arbitraries.js';
import { budget, checkOutcome, guardRepo, ROOT, runInProcess, runs, assertReaches } from './harness.js';

vi.mock('../../src/catalog/catalog.js', () => import('./memo-catalog.js').then((m) => m.memoizedCatalog()));
guardRepo();

const PRICES = join(ROOT, 'prices.yaml');
writeFileSync(PRICES, 'h100-sxm: 1.1\na100-80g: 0.9\n');
const PLAN = join(ROOT, 'plan.json');
writeFileSync(PLAN, '{"gpuplanVersion": "0.1.0"}');

const hostileNumberText = fc.constantFrom('0', '-1', '1e309', '9'.repeat(400), '1.5', ' 7 ', '0x10', '1_000', 'Infinity', 'NaN', '٣', '', ' ', '+1', '99999999999999999', '2147483648');
/** Real values most of the time, so options combine into runs that get far. */
const value = (...real: string[]) => fc.oneof({ arbitrary: fc.constantFrom(...real), weight: 3 }, { arbitrary: hostileString, weight: 1 }, { arbitrary: hostileNumberText, weight: 1 });

const model = value(
  'llama-3.1-8b',
  'qwen3-30b-a3b',
  'deepseek-r1-671b',
  '8b',
  '70b',
  '0b',
  '1.5b',
  'hf:Qwen/Qwen2.5-7B-Instruct',
  'hf:../model',
  'hf:a/b/c.gguf',
  fixture('configs/qwen2.5-14b.config.json'),
  '/nonexistent.gguf',
);
const gpu = value('H100', 'a100-80g', 'RTX4090', 'l4', 'mi300x', 'h100-sxm');
const budgetValue = value('1xH100', '8xA100-80G', '2x8xH100', 'H100', '<=16xH100', '$25/h', '1xRTX4090,1xL4', '0xH100', '1000000xH100');
const whole = value('1', '2', '8', '4096', '131072', '1000000');
const fraction = value('0.9', '1', '0.05', '0.5');
const quant = value('awq-int4', 'q4_k_m', 'bf16', 'fp8', 'awq-int4,q4_k_m', 'gguf');
const engine = value('vllm', 'sglang', 'ollama', 'llamacpp', 'auto');
const engineVersion = value('0.11.0', '0.5.4', 'latest', '0.0.1');
const kvDtype = value('auto', 'fp8', 'q8_0', 'bf16');
/** Output directories: relative ones land in the fuzz cwd, absolute ones in the temp root. */
const outDir = fc.oneof(
  fc.constantFrom('out', join(ROOT, 'out'), `${'d'.repeat(300)}`, '-out', './-x', join(ROOT, 'prices.yaml', 'sub')),
  hostileString.filter((s) => !s.startsWith('/') && !s.includes('..')),
);
const paths = value(fixture('validate/valid'), fixture('validate/valid/vllm-serve.sh'), fixture('validate/broken/bomb.yml'), fixture('validate/valid/*.yml'), join(ROOT, 'nothing-here'));

type Option = [string, fc.Arbitrary<string> | null];
const common: Option[] = [
  ['--json', null],
  ['--catalog', value('/nonexistent', fixture('validate'))],
  ['--bogus', value('x')],
  ['--', null],
];
const COMMANDS: Record<string, { positional?: fc.Arbitrary<string[]>; options: Option[] }> = {
  plan: {
    options: [
      ['-m', model],
      ['--model', model],
      ['-b', budgetValue],
      ['--budget', budgetValue],
      ['-e', engine],
      ['-c', whole],
      ['-n', whole],
      ['-q', quant],
      ['--min-bits', value('4', '1.5', '16', '33')],
      ['--gpu-mem-util', fraction],
      ['--engine-version', engineVersion],
      ['--kv-dtype', kvDtype],
      ['--cpu-offload', null],
      ['--prices', value(PRICES, join(ROOT, 'none.yaml'), fixture('configs/malformed.config.json'))],
      ['--top', whole],
      ['--offline', null],
      ['-o', outDir],
      ['--force', null],
    ],
  },
  estimate: {
    options: [
      ['-m', model],
      ['--offline', null],
      ['-q', quant],
      ['-c', whole],
      ['-n', whole],
      ['--tp', whole],
      ['--pp', whole],
      ['--gpu', gpu],
      ['--kv-dtype', kvDtype],
      ['-e', engine],
      ['--engine-version', engineVersion],
      ['--gpu-mem-util', fraction],
      ['--mode', value('inference', 'full', 'lora', 'qlora')],
      ['--zero', value('0', '1', '2', '3')],
      ['--dp', whole],
      ['--micro-batch', whole],
      ['--lora-rank', whole],
      ['--no-checkpointing', null],
      ['--eager-attention', null],
    ],
  },
  render: {
    positional: fc.array(value(PLAN, join(ROOT, 'none.json'), fixture('configs/llama-2-7b.config.json')), { maxLength: 2 }),
    options: [
      ['-o', outDir],
      ['--force', null],
      ['--engine-version', engineVersion],
    ],
  },
  validate: {
    positional: fc.array(paths, { maxLength: 3 }),
    options: [
      ['--gpus', value('8xA100-80G', '1xH100', '2xl4')],
      ['--gpu', gpu],
      ['--format', value('text', 'json', 'github')],
      ['--strict', null],
      ['--engine-version', value('vllm=0.11.0', 'sglang=0.5.4', 'vllm', '=')],
      ['--verbose', null],
    ],
  },
  catalog: { positional: fc.array(value('models', 'gpus', 'quants', 'engines'), { maxLength: 2 }), options: [] },
};

const optionArgs = (options: Option[]) =>
  fc.array(
    fc.constantFrom(...options).chain(([flag, arb]) => (arb === null ? fc.constant([flag]) : fc.oneof({ arbitrary: arb.map((v) => [flag, v]), weight: 9 }, fc.constant([flag])))),
    { maxLength: 6 },
  );

const argvArb: fc.Arbitrary<{ argv: string[]; json: boolean }> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.constantFrom(...Object.keys(COMMANDS)).chain((name) => {
      const command = COMMANDS[name] as (typeof COMMANDS)[string];
      const required =
        name === 'plan'
          ? fc.tuple(model, budgetValue).map(([m, b]) => ['-m', m, '-b', b])
          : name === 'estimate'
            ? model.map((m) => ['-m', m])
            : name === 'render'
              ? outDir.map((o) => ['--out', o])
              : fc.constant<string[]>([]);
      return fc
        .record({
          required: fc.option(required, { freq: 8 }),
          positional: command.positional ?? fc.constant<string[]>([]),
          options: optionArgs([...command.options, ...common]),
        })
        .map(({ required: r, positional, options }) => {
          // `--json` is the flag only when the group before it is not an option still waiting for its value, and no `--` came first.
          const valueless = (group: string[]) => group.length === 1 && [...command.options, ...common].some(([flag, arb]) => flag === group[0] && arb !== null);
          const end = options.findIndex((g) => g[0] === '--');
          const json = options.some((g, i) => g[0] === '--json' && (end === -1 || i < end) && !(i > 0 && valueless(options[i - 1] as string[])));
          return { argv: [name, ...positional, ...(r ?? []), ...options.flat()], json };
        });
    }),
  },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 4 }).map((argv) => ({ argv, json: false })) },
  { weight: 1, arbitrary: fc.constantFrom<string[]>(['--version'], ['-V'], ['--help'], [], ['help', 'plan'], ['plan', '--help']).map((argv) => ({ argv, json: false })) },
);

describe('fuzz: arguments', () => {
  it(
    'any argv exits 0/1/2; bad input is one line',
    async () => {
      // The grammar reaches answers and refusals in every run; a "does not fit" (1) depends on the seed, so it is not required.
      await assertReaches(argvArb, runs(500), [0, 2], async ({ argv, json }) => {
        const outcome = await runInProcess(argv);
        checkOutcome(outcome, undefined, [0, 1, 2], { json });
        return [outcome.code];
      });
    },
    budget(60_000),
  );
});
