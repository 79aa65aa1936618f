/**
 * config.json files (issue 15): real configs with fields dropped or set to hostile values
 * (huge, negative, fractional, strings such as `__proto__`, nested objects, arrays, null,
 * 10k-character strings) → `estimate --model <file> --json` and `plan --model <file> -b 1xH100 --json`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, it, vi } from 'vitest';
import { fixture } from '../helpers.js';
import { hostileJson, hostileNumber, hostileString, type Mutation, mutate, mutations } from './arbitraries.js';
import { budget, caseDir, checkOutcome, guardRepo, runInProcess, runs, runSpawned, assertReaches } from './harness.js';

vi.mock('../../src/catalog/catalog.js', () => import('./memo-catalog.js').then((m) => m.memoizedCatalog()));
guardRepo();

const real = ['llama-2-7b', 'llama-3.1-70b', 'qwen2.5-14b', 'deepseek-r1'].map((name) => JSON.parse(readFileSync(fixture(`configs/${name}.config.json`), 'utf8')) as Record<string, unknown>);
// A multimodal config (Gemma 3 style): the text model under text_config.
const firstReal = real[0] as Record<string, unknown>;
real.push({ architectures: ['Gemma3ForConditionalGeneration'], model_type: 'gemma3', text_config: { ...firstReal, model_type: 'gemma3_text' }, vision_config: { hidden_size: 1152 } });

const SIZE_FIELDS = [
  'num_hidden_layers',
  'hidden_size',
  'intermediate_size',
  'vocab_size',
  'num_attention_heads',
  'num_key_value_heads',
  'head_dim',
  'max_position_embeddings',
  'n_routed_experts',
  'num_local_experts',
  'num_experts_per_tok',
  'moe_intermediate_size',
  'kv_lora_rank',
  'q_lora_rank',
  'qk_rope_head_dim',
  'v_head_dim',
  'sliding_window',
  'first_k_dense_replace',
] as const;

/** Hostile values aimed at the fields gpuplan reads, on top of random-path mutations. */
const targeted: fc.Arbitrary<Mutation[]> = fc.array(
  fc
    .oneof(
      fc.record({ key: fc.constantFrom(...SIZE_FIELDS), value: fc.oneof(hostileNumber, hostileString, hostileJson) }),
      fc.record({ key: fc.constantFrom('model_type', 'torch_dtype', 'architectures', 'quantization_config', 'rope_scaling', 'text_config'), value: fc.oneof(hostileString, hostileJson) }),
    )
    .map(({ key, value }) => ({ path: [], op: 'add' as const, key, value })),
  { minLength: 1, maxLength: 3 },
);

const configCase = fc
  .integer({ min: 0, max: real.length - 1 })
  .chain((i) => fc.record({ base: fc.constant(real[i]), edits: fc.oneof(mutations(real[i]), targeted) }))
  .map(({ base, edits }) => JSON.stringify(mutate(base, edits)));

const wholeFile = fc.oneof(
  configCase,
  configCase,
  configCase,
  hostileJson.map((v) => JSON.stringify(v)),
  configCase.chain((text) => fc.nat({ max: text.length }).map((n) => text.slice(0, n))),
);

function writeConfig(text: string): string {
  const file = join(caseDir('config'), 'config.json');
  writeFileSync(file, text);
  return file;
}

describe('fuzz: config.json', () => {
  it(
    'estimate and plan of a mutated config exit 0/1/2 with one error line',
    async () => {
      // Configs that still read, and ones refused.
      await assertReaches(wholeFile, runs(300), [0, 2], async (text) => {
        const file = writeConfig(text);
        const codes: (number | null)[] = [];
        for (const argv of [
          ['estimate', '--model', file, '--json'],
          ['plan', '--model', file, '-b', '1xH100', '--json'],
        ]) {
          const outcome = await runInProcess(argv);
          checkOutcome(outcome, text);
          codes.push(outcome.code);
        }
        return codes;
      });
    },
    budget(60_000),
  );

  it(
    'the shipped bundle under the heap and time guard',
    () => {
      fc.assert(
        fc.property(configCase, (text) => {
          const file = writeConfig(text);
          checkOutcome(runSpawned(['plan', '--model', file, '-b', '1xH100', '--json']), text);
        }),
        { numRuns: runs(4) },
      );
    },
    budget(30_000),
  );
});
