/**
 * gpuplan's speeds held to published measurements (test/fixtures/benchmarks/, README there):
 * every benchmark is replayed through its engine release's memory model and speed model, and
 * each class is held to issue 18's targets — single stream dense within ±25%, MoE within
 * ±40%, fixed batches and saturated servers within ±50%, at least 80% of each class inside
 * its band. The README's speed table is this report; `npm run accuracy` rewrites it.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DESCRIPTORS } from '../../src/engines/registry.js';
import { BenchmarkSchema, CLASS_BANDS, counted, formatSpeedAccuracy, prepareBenchmark, speedAccuracy, type Benchmark } from '../../src/planner/benchmark.js';
import { catalog } from '../helpers.js';

const DIR = new URL('../fixtures/benchmarks/', import.meta.url);
const corpus: Benchmark[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .flatMap((f) => (parse(readFileSync(new URL(f, DIR), 'utf8')) as unknown[]).map((e) => BenchmarkSchema.parse(e)));
const results = corpus.map((b) => ({ b, r: prepareBenchmark(catalog, b)() }));
const rows = speedAccuracy(results);
const README = new URL('../../README.md', import.meta.url);
const START = '<!-- speed:start -->';
const END = '<!-- speed:end -->';
/** At least this share of each class inside its band (issue 18). */
const SHARE_IN_BAND = 0.8;

describe('benchmark corpus', () => {
  it('holds published measurements, each with a link, quoted text and its workload', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(150);
    expect(new Set(corpus.map((b) => b.id)).size).toBe(corpus.length);
    for (const b of corpus) {
      expect(b.source.url, b.id).toMatch(/^https:\/\//);
      expect(Object.keys(b.measured).length, b.id).toBeGreaterThan(0);
    }
  });

  it('every measured number appears in the quoted text', () => {
    for (const b of corpus) {
      const text = (Array.isArray(b.quoted) ? b.quoted.join('\n') : b.quoted).replace(/,(?=\d{3})/g, '');
      const numbers = new Set((text.match(/\d+(\.\d+)?/g) ?? []).map(Number));
      for (const [key, value] of Object.entries(b.measured)) {
        expect(numbers.has(value as number), `${b.id}: ${key} ${value} is not in its quoted text`).toBe(true);
      }
    }
  });

  it('covers every class of the targets and both serving engines', () => {
    for (const cls of Object.keys(CLASS_BANDS))
      expect(
        rows.some((r) => r.engine === 'all' && r.cls === cls && r.count >= 5),
        cls,
      ).toBe(true);
    for (const engine of ['vllm', 'sglang', 'llamacpp'])
      expect(
        rows.some((r) => r.engine === engine),
        engine,
      ).toBe(true);
  });

  it('each fitted constant names measurements of the corpus it may be fitted to', () => {
    const byId = new Map(corpus.map((b) => [b.id, b]));
    for (const d of DESCRIPTORS) {
      const perf = d.at(d.defaultVersion).perf;
      for (const id of perf.fittedTo) {
        const b = byId.get(id);
        expect(b, `${d.id}: ${id} is not in the corpus`).toBeDefined();
        expect(b?.engine, id).toBe(d.id);
        // Speculative and suspect measurements never enter a fit.
        expect(b?.speculative || b?.suspect !== undefined, `${d.id} was fitted to ${id}`).toBe(false);
      }
    }
  });

  it('reports the error table (printed) and meets the targets in every class', () => {
    const table = formatSpeedAccuracy(rows, results);
    console.log(`\n${table}\n`);
    for (const { b, r } of [...results]
      .filter(({ b, r }) => counted(b, r))
      .sort((x, y) => Math.abs(y.r.error) - Math.abs(x.r.error))
      .slice(0, 25)) {
      console.log(`${b.engine.padEnd(9)} ${r.cls.padEnd(12)} ${(r.error * 100).toFixed(0).padStart(6)}%  ${b.id}`);
    }
    for (const cls of Object.keys(CLASS_BANDS)) {
      const row = rows.find((r) => r.engine === 'all' && r.cls === cls);
      expect(row, cls).toBeDefined();
      expect((row?.inBand ?? 0) / (row?.count ?? 1), `${cls}: share inside ±${(CLASS_BANDS[cls as keyof typeof CLASS_BANDS] ?? 0) * 100}%`).toBeGreaterThanOrEqual(SHARE_IN_BAND);
    }
  });

  it("the README's speed table is this report (npm run accuracy rewrites it)", () => {
    const readme = readFileSync(README, 'utf8');
    const block = `${START}\n${formatSpeedAccuracy(rows, results)}\n${END}`;
    expect(readme.includes(START) && readme.includes(END), 'README lacks the speed table markers').toBe(true);
    const current = readme.slice(readme.indexOf(START), readme.indexOf(END) + END.length);
    if (process.env.GPUPLAN_UPDATE_ACCURACY === '1') {
      writeFileSync(README, readme.replace(current, block));
      return;
    }
    expect(current).toBe(block);
  });
});
