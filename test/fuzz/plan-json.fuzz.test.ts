/**
 * plan.json (issue 15): real plans (Ollama on an RTX 4090, vLLM on an H100, a two-node vLLM
 * plan) with fields removed or set to hostile values (control characters, quotes, newlines,
 * `$(…)`, backticks, unicode, numbers out of range) → `render plan.json --out <tmp>/out`:
 * exit 0 or 2; on 2 the out directory does not exist; on 0 every written file parses back
 * (YAML, JSON) and carries no raw control character but newline and tab, and `validate`
 * reads the written directory without an internal error.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { hostileJson, hostileNumber, hostileString, mutate, mutations } from './arbitraries.js';
import { budget, caseDir, checkOutcome, describeCase, guardRepo, RAW_CONTROL, runInProcess, runs, runSpawned, assertReaches } from './harness.js';

vi.mock('../../src/catalog/catalog.js', () => import('./memo-catalog.js').then((m) => m.memoizedCatalog()));
guardRepo();

const PLANS = [
  ['plan', '-m', 'llama-3.1-8b', '-b', '1xRTX4090', '--engine', 'ollama', '--json'],
  ['plan', '-m', 'llama-3.1-8b', '-b', '1xH100', '--engine', 'vllm', '--json'],
  ['plan', '-m', 'qwen3-8b', '-b', '1xRTX4090', '--engine', 'llamacpp', '--json'],
  ['plan', '-m', 'llama-3.1-405b', '-b', '2x8xH100', '--engine', 'sglang', '--json'],
];
const plans: unknown[] = [];

beforeAll(async () => {
  for (const argv of PLANS) {
    const o = await runInProcess(argv);
    expect(o.code, describeCase(o)).toBe(0);
    plans.push(JSON.parse(o.stdout));
  }
});

/** Strings weighted over numbers and structures: most of a plan that reaches a file is text. */
const value = fc.oneof({ arbitrary: hostileString, weight: 4 }, { arbitrary: hostileNumber, weight: 2 }, { arbitrary: hostileJson, weight: 1 });

/** Every file written, checked: parses back, no raw control characters. */
function checkWritten(out: string, input: string): void {
  for (const name of readdirSync(out, { recursive: true }) as string[]) {
    const path = join(out, name);
    if (!existsSync(path) || readdirSync(out).includes(name) === false) continue;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue; // a directory
    }
    const where = `${name} of a render of\n${input.slice(0, 3000)}`;
    expect(RAW_CONTROL.test(text), `raw control character in ${where}`).toBe(false);
    if (/\.ya?ml$/.test(name)) {
      const errors = parseAllDocuments(text, { uniqueKeys: true }).flatMap((d) => ('errors' in d ? d.errors.map((e) => e.message) : ['not a document']));
      expect(errors, `${name} does not parse as YAML: ${where}`).toEqual([]);
    }
    if (name.endsWith('.json')) expect(() => JSON.parse(text), `${name} does not parse as JSON: ${where}`).not.toThrow();
  }
}

describe('fuzz: plan.json → render', () => {
  it(
    'a mutated plan renders (files that parse back) or is refused in one line with nothing written',
    async () => {
      const planEdits = fc.nat({ max: PLANS.length - 1 }).chain((i) => fc.tuple(fc.constant(i), mutations(plans[i], value, 3)));
      await assertReaches(planEdits, runs(150), [0, 2], async ([i, edits]) => {
        const text = JSON.stringify(mutate(plans[i], edits), null, 2);
        const dir = caseDir('plan');
        const planFile = join(dir, 'plan.json');
        const out = join(dir, 'out');
        writeFileSync(planFile, text);
        const outcome = await runInProcess(['render', planFile, '--out', out]);
        const input = `edits ${JSON.stringify(edits).slice(0, 2000)}`;
        checkOutcome(outcome, input, [0, 2]);
        if (outcome.code === 2) expect(existsSync(out), `exit 2 left ${out}\n${describeCase(outcome, input)}`).toBe(false);
        if (outcome.code === 0) {
          checkWritten(out, input);
          checkOutcome(await runInProcess(['validate', out, '--format', 'json']), input);
        }
        return [outcome.code];
      });
    },
    budget(60_000),
  );

  it(
    'the shipped bundle under the heap and time guard',
    () => {
      fc.assert(
        fc.property(mutations(plans[0], value, 3), (edits) => {
          const dir = caseDir('plan');
          writeFileSync(join(dir, 'plan.json'), JSON.stringify(mutate(plans[0], edits)));
          const outcome = runSpawned(['render', 'plan.json', '--out', 'out'], { cwd: dir });
          checkOutcome(outcome, JSON.stringify(edits).slice(0, 2000), [0, 2]);
          if (outcome.code === 2) expect(existsSync(join(dir, 'out'))).toBe(false);
        }),
        { numRuns: runs(3) },
      );
    },
    budget(30_000),
  );
});
