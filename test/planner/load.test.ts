// The batch searches of planner/load.ts: galloping, the secant guess and bisection must find the same batch as
// trying every batch in turn, whatever the gap function looks like (it only guides the search).
import { describe, expect, it } from 'vitest';
import type { PerfEstimate } from '../../src/perf/model.js';
import { firstTrue, type LoadTarget, meetLoad } from '../../src/planner/load.js';

function bruteForce(lo: number, hi: number, good: (b: number) => boolean): number {
  for (let b = lo; b <= hi; b++) if (good(b)) return b;
  return hi + 1;
}

/** A deterministic pseudo-random sequence (mulberry32), so a failure reproduces. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('firstTrue', () => {
  const shapes: Record<string, (b: number, edge: number) => number> = {
    linear: (b, edge) => b - edge + 0.5,
    convex: (b, edge) => (b * b - edge * edge) / 100 + 0.01,
    concave: (b, edge) => Math.sqrt(b) - Math.sqrt(edge - 0.5),
    // A CUDA-graph cliff: the gap jumps at the graph size, wherever the answer is.
    cliff: (b, edge) => b - edge + 0.5 + (b > 96 ? 500 : 0),
    // A gap that points the wrong way: the guess is useless, the answer must not change.
    misleading: (b, edge) => edge - b,
    flat: () => 0,
  };
  for (const [name, gap] of Object.entries(shapes)) {
    it(`finds the first batch that holds, ${name} gap`, () => {
      const next = random(name.length);
      for (let trial = 0; trial < 400; trial++) {
        const hi = 1 + Math.floor(next() * 1100);
        const edge = 1 + Math.floor(next() * (hi + 5));
        const good = (b: number) => b >= edge;
        const asked = new Set<number>();
        const answer = firstTrue(
          1,
          hi,
          (b) => {
            asked.add(b);
            return good(b);
          },
          (b) => gap(b, edge),
        );
        expect(answer, `hi ${hi} edge ${edge}`).toBe(bruteForce(1, hi, good));
        expect(firstTrue(1, hi, good)).toBe(answer);
        // Every batch asked lies in [1, hi].
        for (const b of asked) expect(b >= 1 && b <= hi).toBe(true);
      }
    });
  }

  it('settles a linear gap in a few speeds', () => {
    let asked = 0;
    const edge = 300;
    firstTrue(
      1,
      1024,
      (b) => (asked++, b >= edge),
      (b) => b - edge + 0.5,
    );
    // Galloping to 512 (10 speeds), then the guess and the batch before it: bisection alone would need 8 more.
    expect(asked).toBeLessThanOrEqual(12);
  });
});

describe('meetLoad across a CUDA-graph cliff', () => {
  // A synthetic instance: TPOT grows with the batch and jumps past the graph size (steps run eagerly there).
  const GRAPH = 48;
  const perfAt = (batch: number): PerfEstimate => {
    const tpotSeconds = 0.01 + 0.0004 * batch + (batch > GRAPH ? 0.02 : 0);
    const ttftSeconds = 0.1 + tpotSeconds;
    const requestsPerSecond = batch / (ttftSeconds + 299 * tpotSeconds);
    return { batch, ttftSeconds, tpotSeconds, perSequenceTokensPerSecond: 1 / tpotSeconds, outputTokensPerSecond: requestsPerSecond * 300, requestsPerSecond, bound: 'memory', formula: '' };
  };
  const target = (rate: number, tpotMs: number | null): LoadTarget => ({
    kind: 'rate',
    rate,
    users: null,
    inputLen: 1000,
    outputLen: 300,
    tpotSeconds: tpotMs === null ? null : tpotMs / 1e3,
    ttftSeconds: null,
  });

  it('plans the smallest batch that carries the rate, below the cliff when one is there, and the best capacity', () => {
    for (const copies of [1, 2, 3]) {
      for (const sustained of [40, 48, 60, 100, 256]) {
        for (const tpotMs of [null, 40, 60]) {
          const t0 = target(1, tpotMs);
          const inLimits = (b: number) => tpotMs === null || perfAt(b).tpotSeconds <= tpotMs / 1e3;
          let largest = 0;
          while (largest < sustained && inLimits(largest + 1)) largest++;
          const best = Math.max(...Array.from({ length: largest }, (_, i) => perfAt(i + 1).requestsPerSecond));
          for (const share of [0.2, 0.5, 0.7, 0.79]) {
            const rate = copies * best * share;
            const load = meetLoad(perfAt, sustained, copies, { ...t0, rate }, GRAPH);
            const first = Array.from({ length: largest }, (_, i) => i + 1).find((b) => copies * perfAt(b).requestsPerSecond >= rate);
            expect(load.ok).toBe(true);
            expect(load.batch, `copies ${copies} sustained ${sustained} tpot ${tpotMs} share ${share}`).toBe(first);
            expect(load.capacityRequestsPerSecond).toBeCloseTo(copies * best, 9);
          }
        }
      }
    }
  });
});
