/**
 * PLAN.md's Mermaid charts (render/charts.ts): what they show, that model and term names stay
 * inert text, and that verify.ts refuses a block outside the lines gpuplan writes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PlanCandidate, PlanResult } from '../../src/planner/schema.js';
import { costSpeedChart, memoryChart } from '../../src/render/charts.js';
import { MERMAID_TEXT_CHARACTER, mermaidLabel, mermaidText } from '../../src/render/quote.js';
import { deployView, renderPlan } from '../../src/render/render.js';
import { RenderError, verifyRendered } from '../../src/render/verify.js';
import { examplePlan, examplePlans, HOSTILE, hostilePlan } from './fixtures.js';

const GiB = 2 ** 30;
const ONLY_TEXT = new RegExp(`^${MERMAID_TEXT_CHARACTER}+$`, 'u');

/** The ```mermaid blocks of a rendered PLAN.md. */
function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```mermaid\n([\s\S]*?)\n```$/gm)].map((m) => m[1] as string);
}

function planMd(result: PlanResult): string {
  return renderPlan(result).find((f) => f.path === 'PLAN.md')!.content;
}

/** `base` with its plan and runners-up at these (cost per hour, tokens/s in all). */
function withCandidates(base: PlanResult, points: [number, number][]): PlanResult {
  const plan = base.plan!;
  const at = ([cost, speed]: [number, number]): PlanCandidate => ({
    ...plan,
    replicas: 1,
    costPerHour: cost,
    perf: { ...plan.perf, batch: 1, perSequenceTokensPerSecond: speed, outputTokensPerSecond: speed },
  });
  const [first, ...rest] = points.map(at);
  return { ...base, plan: first!, alternatives: rest };
}

describe('mermaidText', () => {
  it('is one line of inert characters, never empty, at most the length asked (fast-check)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.integer({ min: 2, max: 80 }), (s, max) => {
        const text = mermaidText(s, max);
        expect(text).toMatch(ONLY_TEXT);
        expect([...text].length).toBeLessThanOrEqual(max);
        expect(text).not.toMatch(/["%#;`\\<>{}[\]|\n\r]/);
      }),
    );
  });

  it('keeps names readable and turns syntax into ?', () => {
    expect(mermaidText('non-torch, graphs')).toBe('non-torch, graphs');
    expect(mermaidText('Llama-3.1-70B (AWQ) $0.40/h')).toBe('Llama-3.1-70B (AWQ) $0.40/h');
    expect(mermaidText('a "b"\n%%{init: {"theme":"dark"}}%%')).toBe('a ?b? ???init: ??theme?:?dark?????');
    expect(mermaidLabel('x"y')).toBe('"x?y"');
    expect(mermaidText('')).toBe('?');
    expect(mermaidText('é'.repeat(100), 10)).toBe(`${'é'.repeat(9)}…`);
  });
});

describe('memoryChart', () => {
  it.each(examplePlans)('%s: a pie of every term with its GiB, then the headroom, adding up to the capacity', (_name, result) => {
    const plan = result.plan!;
    const lines = memoryChart(plan)!;
    expect(lines[0]).toBe('pie showData');
    for (const term of plan.memory.terms) expect(lines).toContain(`    "${term.name}" : ${(term.bytes / GiB).toFixed(2)}`);
    const values = lines.slice(2).map((l) => Number(l.split(' : ')[1]));
    expect(values).toHaveLength(plan.memory.terms.length + 1);
    expect(lines.at(-1)).toMatch(/^ {4}"headroom" : /);
    expect(Math.abs(values.reduce((s, v) => s + v, 0) - plan.memory.perGpu.capacity / GiB)).toBeLessThan(0.005 * values.length);
    expect(lines[1]).toContain(`of the engine's ${(plan.memory.perGpu.capacity / GiB).toFixed(2)} in use`);
  });

  it('over capacity: no headroom slice (a pie cannot be negative), and the title says by how much', () => {
    const plan = examplePlan('vllm').plan!;
    const capacity = plan.memory.perGpu.capacity;
    const lines = memoryChart({ ...plan, memory: { ...plan.memory, perGpu: { ...plan.memory.perGpu, capacity: capacity / 2 } } })!;
    expect(lines.some((l) => l.includes('"headroom"'))).toBe(false);
    const used = plan.memory.terms.reduce((s, t) => s + t.bytes, 0);
    expect(lines[1]).toContain(`over the engine's ${(capacity / 2 / GiB).toFixed(2)} by ${((used - capacity / 2) / GiB).toFixed(2)}`);
  });

  it('repeated or hostile term names become distinct inert labels; nothing to draw gives no chart', () => {
    const plan = examplePlan('sglang').plan!;
    const terms = [
      { name: HOSTILE, bytes: GiB, formula: '' },
      { name: HOSTILE, bytes: GiB, formula: '' },
      { name: 'headroom', bytes: GiB, formula: '' },
    ];
    const lines = memoryChart({ ...plan, memory: { ...plan.memory, terms } })!;
    const labels = lines.slice(2).map((l) => /^ {4}"(.*)" : \d+\.\d+$/.exec(l)?.[1]);
    expect(new Set(labels).size).toBe(4);
    for (const label of labels) expect(label).toMatch(ONLY_TEXT);
    expect(labels).toContain('headroom (2)');
    const empty = { ...plan.memory, terms: [], perGpu: { ...plan.memory.perGpu, capacity: 0 } };
    expect(memoryChart({ ...plan, memory: empty })).toBeNull();
  });
});

describe('costSpeedChart', () => {
  const base = examplePlan('vllm');

  it('places cost (x) and speed (y) in proportion from 0 to the largest, axes labelled with the range', () => {
    const lines = costSpeedChart(
      withCandidates(base, [
        [2, 50],
        [4, 10],
        [10, 100],
      ]),
    )!;
    expect(lines[0]).toBe('quadrantChart');
    expect(lines).toContain('    x-axis "cheaper (from $0/h)" --> "dearer (to $10.00/h)"');
    expect(lines).toContain('    y-axis "slower (from 0 tokens/s)" --> "faster (to 100 tokens/s)"');
    // 0 → 0.1 and the largest → 0.9: $2 of $10 is a fifth of the way, 50 of 100 tokens/s half.
    expect(lines).toContain('    "1 (this plan)": [0.260, 0.500]');
    expect(lines).toContain('    "2": [0.420, 0.180]');
    expect(lines).toContain('    "3": [0.900, 0.900]');
  });

  it('candidates on the same point share one label', () => {
    const lines = costSpeedChart(
      withCandidates(base, [
        [3, 20],
        [3, 40],
        [3, 20],
      ]),
    )!;
    expect(lines).toContain('    x-axis "cheaper (from $0/h)" --> "dearer (to $3.00/h)"');
    expect(lines).toContain('    "1 (this plan), 3": [0.900, 0.500]');
    expect(lines).toContain('    "2": [0.900, 0.900]');
    expect(lines).toHaveLength(6);
  });

  it('fewer than two distinct points: no chart', () => {
    expect(costSpeedChart(withCandidates(base, [[3, 20]]))).toBeNull();
    expect(
      costSpeedChart(
        withCandidates(base, [
          [3, 20],
          [3, 20],
        ]),
      ),
    ).toBeNull();
    expect(costSpeedChart({ ...base, plan: null })).toBeNull();
  });

  it('names the output speed at the planned load when several requests run at once', () => {
    const result = withCandidates(base, [
      [1, 10],
      [2, 20],
    ]);
    const plan = { ...result.plan!, perf: { ...result.plan!.perf, batch: 8 } };
    expect(costSpeedChart({ ...result, plan })).toContain('    y-axis "slower (from 0 output tokens/s in all, at the planned load)" --> "faster (to 20 output tokens/s in all, at the planned load)"');
  });
});

describe('PLAN.md charts', () => {
  it.each(examplePlans)('%s: the memory pie, and the cost/speed chart when the runners-up differ', (_name, result) => {
    const blocks = mermaidBlocks(planMd(result));
    expect(blocks[0]?.startsWith('pie showData\n')).toBe(true);
    const points = new Set([result.plan!, ...result.alternatives].map((c) => `${c.costPerHour}/${c.perf.outputTokensPerSecond}`));
    expect(blocks.length).toBe(points.size > 1 ? 2 : 1);
    if (points.size > 1) expect(blocks[1]?.startsWith('quadrantChart\n')).toBe(true);
  });

  it('a hostile model, GPU and term name stay inside their labels and titles', () => {
    const result = hostilePlan(
      withCandidates(examplePlan('vllm'), [
        [2, 50],
        [4, 10],
      ]),
      (p) => ({
        gpu: { ...p.gpu, name: HOSTILE },
        memory: { ...p.memory, terms: p.memory.terms.map((t, i) => (i === 0 ? { ...t, name: `${HOSTILE} %%{init: {"theme":"dark"}}%%` } : t)) },
      }),
    );
    const blocks = mermaidBlocks(planMd(result));
    expect(blocks).toHaveLength(2);
    for (const block of blocks) {
      for (const line of block.split('\n').slice(1)) {
        // Every line is a title, an axis or a label with quotes only around its text: nothing else opened or closed.
        expect(line).toMatch(/^ {4}(?:title [^"]+|[xy]-axis "[^"]+"(?: --> "[^"]+")?|"[^"]+"(?: : [\d.]+|: \[[\d.]+, [\d.]+\]))$/);
        expect(line).not.toMatch(/[%`#;\\]/);
      }
    }
    // Quotes, backticks, braces, `;`, `#` and the line break become ? or a space; the long name is cut with …
    expect(blocks[0]).toMatch(/^ {4}"evil \?model\? it's \$\(touch PWNED\) \?touch PWNED\? \$\?HOME\? [^"]*…" : \d+\.\d+$/m);
    expect(blocks[1]).toMatch(/^ {4}title Cost and speed of evil \?model\? it's \$\(touch PWNED\) [^"\n]*…: this plan \(1\) and the runners-up$/m);
  });

  it('verify refuses a chart block that holds anything but the lines gpuplan writes', () => {
    const result = examplePlan('vllm');
    const files = renderPlan(result);
    const view = deployView(result, result.plan!);
    const tamper = (from: string, to: string) => files.map((f) => (f.path === 'PLAN.md' ? { ...f, content: f.content.replace(from, to) } : f));
    expect(() => verifyRendered(files, view)).not.toThrow();
    expect(() => verifyRendered(tamper('    "weights" :', '    "weights" extra" :'), view)).toThrow(RenderError);
    expect(() => verifyRendered(tamper('pie showData\n', 'pie showData\n    %%{init: {"theme":"dark"}}%%\n'), view)).toThrow(RenderError);
    expect(() => verifyRendered(tamper('```mermaid\npie', '```mermaid\nflowchart LR\n    a --> b\n```\n\n```mermaid\npie'), view)).toThrow(RenderError);
  });
});
