import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { barCells, BAR_WIDTH, FREE_SYMBOL, memoryBar, memoryParts, TERM_SYMBOLS } from '../../src/planner/memory-bar.js';
import type { PlanCandidate } from '../../src/planner/schema.js';
import { formatPlan } from '../../src/cli/plan-format.js';
import { examplePlans } from '../render/fixtures.js';

const GiB = 2 ** 30;

/** A memory table with these terms (GiB) and capacity (GiB); the rest of the record is not read. */
function memory(terms: Record<string, number>, capacity: number): PlanCandidate['memory'] {
  const list = Object.entries(terms).map(([name, gib]) => ({ name, bytes: gib * GiB, formula: '' }));
  const total = list.reduce((s, t) => s + Math.max(0, t.bytes), 0);
  return {
    perGpu: { weights: 0, kvCache: 0, activations: 0, overhead: 0, total, capacity: capacity * GiB },
    headroomBytes: capacity * GiB - total,
    kvBytesPerToken: 0,
    stateBytesPerSequence: 0,
    kvCacheTokens: 0,
    maxConcurrency: 0,
    hostRamBytes: 0,
    hostWeightBytes: 0,
    diskBytes: 0,
    gpuLayers: null,
    terms: list,
  };
}

const count = (text: string, symbol: string) => [...text].filter((c) => c === symbol).length;

describe('barCells', () => {
  it('splits the width in proportion, giving the cell left over to the largest fraction', () => {
    expect(barCells([1, 1, 2], 40)).toEqual([10, 10, 20]);
    // 13⅓ each: 39 whole cells, the 40th to the first of the tied fractions.
    expect(barCells([1, 1, 1], 40)).toEqual([14, 13, 13]);
    expect(barCells([3, 1], 10)).toEqual([8, 2]); // 7.5 and 2.5: the tie goes to the earlier value
  });

  it('fills exactly the width and keeps every value less than one cell from its share (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e12, noNaN: true }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 120 }), (values, width) => {
        const cells = barCells(values, width);
        const total = values.reduce((s, v) => s + v, 0);
        if (total === 0) {
          // A returned value is read by fast-check as the verdict: assert, then return nothing.
          expect(cells.every((c) => c === 0)).toBe(true);
          return;
        }
        expect(cells.reduce((s, c) => s + c, 0)).toBe(width);
        for (const [i, v] of values.entries()) {
          expect(Math.abs((cells[i] as number) - (v / total) * width)).toBeLessThan(1 + 1e-9);
          if (v === 0) expect(cells[i]).toBe(0);
        }
      }),
    );
  });

  it('shows a tiny term with one cell, taken from a value that was rounded up', () => {
    // 0.01% of 40 cells is 0.004 of a cell; the 99.99% rounds up to 40 and gives one back.
    expect(barCells([0.01, 99.99], 40)).toEqual([1, 39]);
  });

  it('leaves a tiny term hidden when showing it would put another value a cell or more off its share', () => {
    // One huge term and two tiny ones: the huge one can give one cell (39 for 39.99…), not two.
    expect(barCells([1e15, 1, 1], 40)).toEqual([39, 1, 0]);
    // No value has two cells to spare: the smallest stays hidden.
    expect(barCells([0.2, 0.9, 0.9], 2)).toEqual([0, 1, 1]);
  });

  it('gives nothing to zero, negative or non-finite values, and nothing at all when they sum to 0', () => {
    expect(barCells([0, 5, -3, Number.NaN, 5], 10)).toEqual([0, 5, 0, 0, 5]);
    expect(barCells([0, 0], 40)).toEqual([0, 0]);
    expect(barCells([1, 2], 0)).toEqual([0, 0]);
  });
});

describe('memoryParts and memoryBar', () => {
  it('scales the bar to the capacity: free space is what the terms leave', () => {
    const parts = memoryParts(memory({ weights: 40, 'kv cache': 10, activations: 5, overhead: 5 }, 80));
    expect(parts.free).toBe(20 * GiB);
    expect(parts.over).toBe(0);
    const bar = memoryBar(parts);
    expect(bar).toHaveLength(BAR_WIDTH + 2);
    // 20, 5, 2.5, 2.5 and 10 cells: the tied halves round up for the earlier term.
    expect(bar).toBe(`[${'█'.repeat(20)}${'▓'.repeat(5)}${'▒'.repeat(3)}${'▄'.repeat(2)}${'░'.repeat(10)}]`);
  });

  it('zero headroom: no free cell; negative headroom: the terms fill the bar and the excess is reported', () => {
    const full = memoryParts(memory({ weights: 60, 'kv cache': 20 }, 80));
    expect(full.free).toBe(0);
    expect(count(memoryBar(full), FREE_SYMBOL)).toBe(0);
    const over = memoryParts(memory({ weights: 70, 'kv cache': 30 }, 80));
    expect(over.over).toBe(20 * GiB);
    expect(over.free).toBe(0);
    const bar = memoryBar(over);
    expect(count(bar, FREE_SYMBOL)).toBe(0);
    expect(count(bar, '█')).toBe(28); // 70 of the 100 needed
    expect(count(bar, '▓')).toBe(12);
  });

  it('capacity 0: blank with nothing in it, full of the terms when there are some', () => {
    expect(memoryBar(memoryParts(memory({ weights: 0 }, 0)))).toBe(`[${' '.repeat(BAR_WIDTH)}]`);
    const bar = memoryBar(memoryParts(memory({ weights: 1 }, 0)));
    expect(bar).toBe(`[${'█'.repeat(BAR_WIDTH)}]`);
  });

  it('one huge term: the others still show where a cell can be spared', () => {
    const bar = memoryBar(memoryParts(memory({ weights: 79.9, 'kv cache': 0.01, activations: 0.01, overhead: 0.01 }, 80)));
    expect(bar).toHaveLength(BAR_WIDTH + 2);
    expect(count(bar, '█')).toBeGreaterThanOrEqual(39);
    expect(count(bar, '█') + count(bar, '▓') + count(bar, '▒') + count(bar, '▄') + count(bar, FREE_SYMBOL)).toBe(BAR_WIDTH);
  });

  it('a term with a negative size (hand-edited plan.json) counts as 0', () => {
    const parts = memoryParts(memory({ weights: 40, 'kv cache': -10 }, 80));
    expect(parts.terms[1]?.bytes).toBe(0);
    expect(parts.free).toBe(40 * GiB);
    expect(count(memoryBar(parts), '▓')).toBe(0);
  });
});

describe('the memory table of `gpuplan plan`', () => {
  it.each(examplePlans)('%s: a bar of the capacity, each row led by its symbol', (_name, result) => {
    const plan = result.plan!;
    const lines = formatPlan(result).split('\n');
    const at = lines.findIndex((l) => l.startsWith('Memory per GPU'));
    const bar = /^ {2}\[(.{40})\]/u.exec(lines[at + 1] ?? '')?.[1];
    expect(bar, lines[at + 1]).toBeDefined();
    const capacity = plan.memory.perGpu.capacity;
    for (const [i, term] of plan.memory.terms.entries()) {
      const symbol = TERM_SYMBOLS[i] as string;
      expect(lines[at + 2 + i]).toMatch(new RegExp(`^ {2}${symbol} ${term.name}`));
      // Within a cell of its share of the capacity (a non-zero term may be lifted to one cell).
      expect(Math.abs(count(bar!, symbol) - (term.bytes / capacity) * BAR_WIDTH), term.name).toBeLessThan(1);
    }
    expect(lines.find((l) => l.includes('headroom'))).toMatch(new RegExp(`^ {2}${FREE_SYMBOL} headroom`));
    expect(Math.abs(count(bar!, FREE_SYMBOL) - (plan.memory.headroomBytes / capacity) * BAR_WIDTH)).toBeLessThan(1);
    expect(lines[at + 1]).toMatch(new RegExp(`${Math.round((plan.memory.perGpu.total / capacity) * 100)}% of `));
  });
});
