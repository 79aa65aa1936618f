/**
 * gpuplan held to published engine start-up logs (test/fixtures/engine-logs/): every log
 * is replayed through the engine release matching its version, each printed quantity
 * compared, and the medians held to issue 13's targets. The README's accuracy table is
 * this report; `npm run accuracy` rewrites it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { accuracyTable, compare, formatAccuracy, loadLogFixtures, replay, type Comparison } from '../corpus/engine-logs.js';

const fixtures = loadLogFixtures();
const replays = fixtures.map(replay);
const comparisons: Comparison[] = replays.flatMap(compare);
const rows = accuracyTable(comparisons);
const README = new URL('../../README.md', import.meta.url);
const START = '<!-- accuracy:start -->';
const END = '<!-- accuracy:end -->';

/** issue 13's targets: the median absolute error per engine and quantity. */
const TARGETS: { engine: string; quantity: string; median: number }[] = [
  { engine: 'vllm', quantity: 'available KV', median: 0.02 },
  { engine: 'vllm', quantity: 'KV tokens', median: 0.02 },
  { engine: 'vllm', quantity: 'weights', median: 0.01 },
  { engine: 'sglang', quantity: 'KV tokens', median: 0.03 },
  { engine: 'llamacpp', quantity: 'GPU buffers', median: 0.03 },
  { engine: 'ollama', quantity: 'total VRAM', median: 0.05 },
];

describe('engine log corpus', () => {
  it('holds at least 30 published logs, each with a link, quoted lines and a version', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(30);
    for (const f of fixtures) {
      expect(f.source.url, f.id).toMatch(/^https:\/\//);
      expect(f.quoted.length, f.id).toBeGreaterThan(0);
    }
    // One fixture per log: the same lines quoted twice would count twice.
    const logs = fixtures.map((f) => `${f.source.url}\n${f.quoted.join('\n')}`);
    expect(new Set(logs).size).toBe(logs.length);
  });

  it('every observed number appears in a quoted line', () => {
    const formats = (n: number) => [String(n), n.toLocaleString('en-US'), n.toFixed(2), n.toFixed(1), n.toFixed(3), n.toFixed(4)];
    // GiB keys may hold a figure the log prints in MiB (Ollama: memory.required.kv="300.0 MiB").
    const printed = (key: string, n: number) => (key.endsWith('GiB') ? [...formats(n), ...formats(n * 1024)] : formats(n));
    // A whole number in the text: not a piece of another ("0.1" is not in "0.19.0").
    const appears = (text: string, s: string) => new RegExp(`(?<![\\d.])${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\d]|\\.\\d)`).test(text);
    for (const f of fixtures) {
      const text = f.quoted.join('\n');
      for (const [key, v] of Object.entries(f.observed)) {
        const values = typeof v === 'number' ? [v] : Object.values(v);
        for (const n of values)
          expect(
            printed(key, n).some((s) => appears(text, s)),
            `${f.id}: ${key} ${n} is not in a quoted line`,
          ).toBe(true);
      }
    }
  });

  it('reports the error table (printed) and meets the targets', () => {
    const table = formatAccuracy(
      rows,
      fixtures.length,
      fixtures.filter((f) => f.knownOutlier),
    );
    console.log(`\n${table}\n`);
    for (const c of [...comparisons].sort((a, b) => a.engine.localeCompare(b.engine) || Math.abs(b.error) - Math.abs(a.error))) {
      console.log(`${c.engine.padEnd(9)} ${c.quantity.padEnd(16)} ${(c.error * 100).toFixed(1).padStart(7)}%  ${c.id}`);
    }
    for (const target of TARGETS) {
      const row = rows.find((r) => r.engine === target.engine && r.quantity === target.quantity);
      expect(row, `${target.engine} ${target.quantity}: no logs`).toBeDefined();
      expect(row?.medianAbs, `${target.engine} ${target.quantity} median error`).toBeLessThanOrEqual(target.median);
    }
  });

  it('vLLM available KV is never optimistic by more than 3% on a log with full settings', () => {
    const bad = comparisons.filter(
      (c) => c.engine === 'vllm' && (c.quantity === 'available KV' || c.quantity === 'KV tokens') && c.settingsComplete && !c.knownOutlier && c.optimistic && c.error > 0.03,
    );
    expect(bad.map((c) => `${c.id} ${c.quantity} +${(c.error * 100).toFixed(1)}%`)).toEqual([]);
  });

  it("the README's accuracy table is this report (npm run accuracy rewrites it)", () => {
    const readme = readFileSync(README, 'utf8');
    const block = `${START}\n${formatAccuracy(
      rows,
      fixtures.length,
      fixtures.filter((f) => f.knownOutlier),
    )}\n${END}`;
    const current = readme.slice(readme.indexOf(START), readme.indexOf(END) + END.length);
    if (process.env.GPUPLAN_UPDATE_ACCURACY === '1') {
      writeFileSync(README, readme.replace(current, block));
      return;
    }
    expect(current).toBe(block);
  });
});
