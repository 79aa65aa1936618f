import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { budgetGpuNames, parseBudget, printBudget, resolveBudget, type BudgetTerm } from '../../src/planner/budget.js';
import { catalog } from '../helpers.js';

const price = (gpu: { pricePerHour: number }) => gpu.pricePerHour;
const names = budgetGpuNames(catalog);

const gpuName = fc.constantFrom(...names, 'A100', 'H100', 'rtx-4090', 'A100-80G');
const count = fc.integer({ min: 1, max: 4096 });
const term: fc.Arbitrary<BudgetTerm> = fc.oneof(
  fc.record({ kind: fc.constant('price' as const), maxPerHour: fc.integer({ min: 1, max: 100000 }).map((c) => c / 100) }),
  fc.record({ kind: fc.constant('gpus' as const), gpu: gpuName, count, nodes: fc.constant(null), atMost: fc.boolean() }),
  fc.record({ kind: fc.constant('gpus' as const), gpu: gpuName, count: fc.integer({ min: 1, max: 8 }), nodes: count, atMost: fc.constant(false) }),
  fc.record({ kind: fc.constant('gpus' as const), gpu: gpuName, count: fc.constant(null), nodes: fc.constant(null), atMost: fc.constant(false) }),
);

describe('budget grammar', () => {
  it.each([
    ['8xA100', [{ kind: 'gpus', gpu: 'A100', count: 8, nodes: null, atMost: false }]],
    ['8xA100-80G', [{ kind: 'gpus', gpu: 'A100-80G', count: 8, nodes: null, atMost: false }]],
    ['2x8xH100', [{ kind: 'gpus', gpu: 'H100', count: 8, nodes: 2, atMost: false }]],
    ['H100', [{ kind: 'gpus', gpu: 'H100', count: null, nodes: null, atMost: false }]],
    ['<=16xH100', [{ kind: 'gpus', gpu: 'H100', count: 16, nodes: null, atMost: true }]],
    ['$25/h', [{ kind: 'price', maxPerHour: 25 }]],
    [
      '8xA100, 4xH200',
      [
        { kind: 'gpus', gpu: 'A100', count: 8, nodes: null, atMost: false },
        { kind: 'gpus', gpu: 'H200', count: 4, nodes: null, atMost: false },
      ],
    ],
    ['8X a100', [{ kind: 'gpus', gpu: 'a100', count: 8, nodes: null, atMost: false }]],
  ])('parses %s (README examples)', (text, expected) => {
    expect(parseBudget(text)).toEqual(expected);
  });

  it('parse ∘ print is the identity on every budget', () => {
    fc.assert(
      fc.property(fc.array(term, { minLength: 1, maxLength: 4 }), (budget) => {
        expect(parseBudget(printBudget(budget))).toEqual(budget);
      }),
    );
  });

  it('print ∘ parse is stable on printed text', () => {
    fc.assert(
      fc.property(fc.array(term, { minLength: 1, maxLength: 4 }), (budget) => {
        const text = printBudget(budget);
        expect(printBudget(parseBudget(text))).toBe(text);
      }),
    );
  });

  it('garbage is rejected with a budget error, never a crash', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (text) => {
        try {
          const budget = parseBudget(text);
          // Anything accepted must print back to something that parses the same.
          expect(parseBudget(printBudget(budget))).toEqual(budget);
        } catch (error) {
          expect((error as Error).name).toBe('UserError');
          expect((error as Error).message).toMatch(/^budget "/);
        }
      }),
    );
  });

  it.each([
    ['8xZ100', /budget "8xZ100": unknown GPU "Z100"; nearest GPU names: .*(a100|h100)/],
    ['0xA100', /budget "0xA100": GPU count must be at least 1, got 0/],
    ['x8', /budget "x8": a number must come before each "x".*nearest GPU names/],
    ['$-3/h', /budget "\$-3\/h": a price must be a positive number of US dollars per hour/],
    ['8xA100,', /empty alternative/],
    ['<=H100', /"<=" needs a count/],
    ['2x16xH100', /h100-sxm nodes hold at most 8 GPUs, not 16/],
  ])('rejects %s naming the bad part', (text, message) => {
    expect(() => resolveBudget(parseBudget(text, names), catalog, price)).toThrow(message);
  });

  it('A100 allows both memory variants; a count is a ceiling', () => {
    const allowances = resolveBudget(parseBudget('8xA100'), catalog, price);
    expect(allowances.map((a) => [a.gpu.id, a.maxGpus, a.maxNodes])).toEqual([
      ['a100-40g', 8, 1],
      ['a100-80g', 8, 1],
    ]);
  });

  it('2x8xH100 spans two nodes; <=16xH100 as many as 16 GPUs need', () => {
    const two = resolveBudget(parseBudget('2x8xH100-SXM'), catalog, price);
    expect(two.map((a) => [a.maxGpus, a.maxNodes])).toEqual([[16, 2]]);
    const sixteen = resolveBudget(parseBudget('<=16xh100-sxm'), catalog, price);
    expect(sixteen.map((a) => [a.maxGpus, a.maxNodes])).toEqual([[16, 2]]);
  });

  it('$X/h allows every GPU type, as many as the price buys', () => {
    const allowances = resolveBudget(parseBudget('$5/h'), catalog, price);
    const h100 = allowances.find((a) => a.gpu.id === 'h100-sxm')!;
    expect(h100.maxGpus).toBe(Math.floor(5 / h100.gpu.pricePerHour));
    expect(allowances.every((a) => a.maxGpus * a.gpu.pricePerHour <= 5 + 1e-9)).toBe(true);
    expect(allowances.find((a) => a.gpu.id === 'b200')).toBeDefined();
  });
});

/**
 * Issue 16: every name the catalog gives a GPU (id, family, each alias) works in every budget
 * shape, in any case. The expected GPUs come from the catalog entries themselves: a name
 * selects its GPU (a family selects every member), and the counts are the ones written.
 */
describe('every GPU name in every budget shape', () => {
  const namesOf = catalog.gpus.flatMap((gpu) => [gpu.id, gpu.family, ...gpu.aliases].map((name) => ({ gpu, name })));
  const membersOf = (name: string) =>
    catalog.gpus.filter((g) => [g.id, g.family, ...g.aliases].some((n) => n.replace(/[\s_\-/.]+/g, '').toLowerCase() === name.replace(/[\s_\-/.]+/g, '').toLowerCase()));
  const cased = fc.constantFrom<(s: string) => string>(
    (s) => s,
    (s) => s.toUpperCase(),
    (s) => s.toLowerCase(),
  );

  it('N×GPU, NODES×N×GPU, <=N×GPU and a bare GPU select that GPU with those counts', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...namesOf),
        cased,
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 2, max: 4 }),
        fc.constantFrom('x', 'X', '×', ' x '),
        ({ gpu, name }, caseOf, n, nodes, times) => {
          const shown = caseOf(name);
          const perNode = Math.min(n, gpu.maxPerNode);
          const shapes: Array<[string, number, number]> = [
            [`${n}${times}${shown}`, n, Math.ceil(n / gpu.maxPerNode)],
            [`${nodes}${times}${perNode}${times}${shown}`, nodes * perNode, nodes],
            [`<=${n}${times}${shown}`, n, Math.ceil(n / gpu.maxPerNode)],
            [shown, gpu.maxPerNode * 4, 4],
          ];
          for (const [text, maxGpus, maxNodes] of shapes) {
            const allowances = resolveBudget(parseBudget(text, names), catalog, price);
            // A family name (or an alias shared by a family) selects all its members, and nothing else.
            expect(allowances.map((a) => a.gpu.id).sort()).toEqual(
              membersOf(name)
                .map((g) => g.id)
                .sort(),
            );
            const mine = allowances.find((a) => a.gpu.id === gpu.id);
            expect(mine, text).toBeDefined();
            expect([mine?.maxGpus, mine?.maxNodes], text).toEqual([maxGpus, maxNodes]);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it.each([
    ['4x4090', 'rtx-4090', 4],
    ['1x4090', 'rtx-4090', 1],
    ['2x3090', 'rtx-3090', 2],
    ['4090', 'rtx-4090', 32],
    ['2x4x5090', 'rtx-5090', 8],
    ['<=2x3060', 'rtx-3060-12g', 2],
  ])('%s (issue 16: all-digit aliases after a count)', (text, id, maxGpus) => {
    const [allowance, ...others] = resolveBudget(parseBudget(text, names), catalog, price);
    expect(others).toEqual([]);
    expect([allowance?.gpu.id, allowance?.maxGpus]).toEqual([id, maxGpus]);
  });

  it('a count with no GPU after it names the problem', () => {
    expect(() => resolveBudget(parseBudget('2x8', names), catalog, price)).toThrow(/budget "2x8": unknown GPU "8" \(a count needs a GPU after it, e.g. 8xH100\)/);
  });
});
