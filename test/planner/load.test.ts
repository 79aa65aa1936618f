// The batch searches of planner/load.ts: galloping, the secant guess and bisection must find the same batch as
// trying every batch in turn, whatever the gap function looks like (it only guides the search).
import { describe, expect, it } from 'vitest';
import { firstTrue } from '../../src/planner/load.js';

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
