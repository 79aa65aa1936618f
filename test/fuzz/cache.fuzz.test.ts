/**
 * Hub cache entries (issue 15): the recorded files of hf:Qwen/Qwen2.5-7B-Instruct copied into a
 * temp $XDG_CACHE_HOME, then poisoned (not JSON, wrong shapes, huge numbers, `__proto__` keys,
 * huge arrays, a safetensors summary and a GGUF header entry of the wrong shape)
 * → `estimate -m hf:Qwen/Qwen2.5-7B-Instruct --offline` (and without --offline: the network
 * is stubbed to fail, so a damaged entry ends in the hub error).
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, it, vi } from 'vitest';
import { tinyTensors } from '../fixtures/gguf/write-gguf.js';
import { fixture } from '../helpers.js';
import { hostileJson, hostileNumber, hostileString, mutate, mutations, PROTO_KEYS, setOwn } from './arbitraries.js';
import { budget, caseDir, checkOutcome, guardRepo, runInProcess, runs, runSpawned, assertReaches } from './harness.js';

vi.mock('../../src/catalog/catalog.js', () => import('./memo-catalog.js').then((m) => m.memoizedCatalog()));
guardRepo();

const REPO_DIR = 'hub/Qwen/Qwen2.5-7B-Instruct';
const MODEL = 'hf:Qwen/Qwen2.5-7B-Instruct';
const GGUF_MODEL = 'hf:Qwen/Qwen2.5-7B-Instruct/tiny.gguf';
const recorded: Record<string, unknown> = {
  'config.json': JSON.parse(readFileSync(fixture(`${REPO_DIR}/config.json`), 'utf8')),
  'model.safetensors.index.json': JSON.parse(readFileSync(fixture(`${REPO_DIR}/model.safetensors.index.json`), 'utf8')),
  // The shapes gpuplan writes (hub.ts): a safetensors summary and a GGUF header.
  'safetensors.summary.json': { parameters: { BF16: 7615616512 }, bytes: 15231233024 },
  'tiny.gguf.header.json': {
    metadata: {
      'general.architecture': 'llama',
      'general.file_type': 15,
      'llama.block_count': 2,
      'llama.context_length': 4096,
      'llama.embedding_length': 256,
      'llama.feed_forward_length': 512,
      'llama.attention.head_count': 4,
      'llama.attention.head_count_kv': 2,
      'llama.vocab_size': 256,
    },
    tensors: tinyTensors().map(([name, shape, type]) => ({ name, shape, type })),
  },
};
const ENTRIES = Object.keys(recorded);

/** Huge arrays and maps of the kind a poisoned cache could hold, as text built once per entry (not per case). */
const HUGE_ARRAY = Array.from({ length: 200_000 }, (_, i) => i);
const HUGE_KEYS = JSON.stringify(Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, i])));
const hugeText = Object.fromEntries(ENTRIES.map((entry) => [entry, JSON.stringify({ ...(recorded[entry] as object), huge: HUGE_ARRAY })]));

const poisonedTexts = Object.fromEntries(ENTRIES.map((entry) => [entry, poisonedText(entry)]));

function poisonedText(entry: string): fc.Arbitrary<string> {
  const doc = recorded[entry];
  return fc.oneof(
    { arbitrary: mutations(doc, fc.oneof(hostileNumber, hostileString, hostileJson), 3).map((edits) => JSON.stringify(mutate(doc, edits))), weight: 5 },
    hostileJson.map((v) => JSON.stringify(v)),
    hostileString,
    fc.constantFrom(
      '',
      '{',
      'null',
      '[]',
      '{"__proto__": {"num_hidden_layers": 1e12}}',
      '{"constructor": {"prototype": {"polluted": true}}}',
      hugeText[entry] as string,
      HUGE_KEYS,
      JSON.stringify({ metadata: { total_size: 1e300 } }),
      JSON.stringify({ metadata: { total_size: -1 } }),
      JSON.stringify({ metadata: { total_size: 2 ** 60 } }),
    ),
    fc.constantFrom(...PROTO_KEYS).map((key) => {
      const copy = structuredClone(doc) as Record<string, unknown>;
      setOwn(copy, key, { num_hidden_layers: 1e12, total_size: 1e15 });
      return JSON.stringify(copy);
    }),
  );
}

const cacheCase = fc.record({
  poison: fc
    .uniqueArray(fc.constantFrom(...ENTRIES), { minLength: 1, maxLength: 2 })
    .chain((names) => fc.tuple(...names.map((n) => fc.tuple(fc.constant(n), poisonedTexts[n] as fc.Arbitrary<string>)))),
  offline: fc.boolean(),
  model: fc.constantFrom(MODEL, MODEL, GGUF_MODEL),
});

function writeCache(poison: [string, string][]): string {
  const xdg = caseDir('xdg');
  const dir = join(xdg, 'gpuplan', 'hub', 'Qwen', 'Qwen2.5-7B-Instruct', 'main');
  mkdirSync(dir, { recursive: true });
  cpSync(fixture(REPO_DIR), dir, { recursive: true });
  writeFileSync(join(dir, 'safetensors.summary.json'), JSON.stringify(recorded['safetensors.summary.json']));
  writeFileSync(join(dir, 'tiny.gguf.header.json'), JSON.stringify(recorded['tiny.gguf.header.json']));
  for (const [name, text] of poison) writeFileSync(join(dir, name), text);
  return xdg;
}

const shown = (poison: [string, string][]) => poison.map(([n, t]) => `${n}: ${t.length > 2000 ? `${t.slice(0, 2000)}… (${t.length} chars)` : t}`).join('\n');

describe('fuzz: hub cache entries', () => {
  it(
    'a poisoned cache is read, refused or replaced, in one line, never a crash',
    async () => {
      const saved = process.env.XDG_CACHE_HOME;
      try {
        await assertReaches(cacheCase, runs(120), [0, 2], async ({ poison, offline, model }) => {
          process.env.XDG_CACHE_HOME = writeCache(poison);
          const outcome = await runInProcess(['estimate', '-m', model, ...(offline ? ['--offline'] : []), '--json']);
          checkOutcome(outcome, shown(poison));
          return [outcome.code];
        });
      } finally {
        process.env.XDG_CACHE_HOME = saved;
      }
    },
    budget(60_000),
  );

  it(
    'the shipped bundle under the heap and time guard (offline)',
    () => {
      fc.assert(
        fc.property(cacheCase, ({ poison, model }) => {
          const xdg = writeCache(poison);
          checkOutcome(runSpawned(['estimate', '-m', model, '--offline'], { env: { XDG_CACHE_HOME: xdg } }), shown(poison));
        }),
        { numRuns: runs(2) },
      );
    },
    budget(30_000),
  );
});
