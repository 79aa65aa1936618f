/**
 * PLAN.md's two pictures as Mermaid, which GitHub draws from a ```mermaid block with
 * nothing installed (pure: the lines of each block, or null when the picture would say nothing).
 *
 * Which diagrams, and why:
 * - Memory per GPU is a `pie` (with `showData`): parts of the engine's capacity, each labelled
 *   in a legend with its GiB. A stacked bar is not native to Mermaid: `xychart-beta` has bar and
 *   line series but no stacking (mermaid-js/mermaid#7392, open). Overlaid cumulative bars drawn
 *   largest first do overlay in released Mermaid (11.14.0's xychart BarPlot draws every bar
 *   series from the axis, full width, at the same category), but xychart draws no legend, so
 *   five overlaid colours cannot be told apart, and an unreleased branch (`xychart`, commit
 *   3262a06) stacks bar series instead, which would double every cumulative bar. The pie drops
 *   slices under 1% from the drawing but keeps them in the legend with their value.
 * - Cost against speed of the feasible candidates is a `quadrantChart`: the only Mermaid chart
 *   that places labelled points by two values (`xychart-beta` spreads one series evenly over its
 *   x axis). Its points take 0..1, so each axis maps 0..the largest value to 0.1..0.9
 *   (distances stay proportional; the margin keeps labels off the border) and its two labels
 *   give the direction and the real range. Candidates on the same point share one label;
 *   fewer than two distinct points draw nothing.
 * GitHub renders Mermaid 11 (architecture diagrams, new in 11.1.0, render there since September
 * 2024: mjbvz/vscode-markdown-mermaid#279); pie has rendered there since Mermaid support
 * launched (github.blog, 2022-02-14), quadrantChart exists since Mermaid 10.2.0. The examples'
 * blocks, and a plan with hostile names, were read back with Mermaid 11.17.2's parser when this
 * was written (Mermaid is not a dependency; verify.ts checks the line kinds instead).
 *
 * Every label and title goes through mermaidText/mermaidLabel (quote.ts), and verify.ts
 * checks each block line by line before the file is written.
 */
import { GiB } from '../memory/units.js';
import { money } from '../planner/describe.js';
import { memoryParts } from '../planner/memory-bar.js';
import type { PlanCandidate, PlanResult } from '../planner/schema.js';
import { mermaidLabel, mermaidText } from './quote.js';

const INDENT = '    ';

function gib(bytes: number): string {
  return (bytes / GiB).toFixed(2);
}

/** Labels as given, a repeated one suffixed ` (2)`, ` (3)`…: a pie keeps only the first slice of a label. */
function distinct(labels: readonly string[]): string[] {
  const seen = new Set<string>();
  return labels.map((label) => {
    let shown = label;
    for (let n = 2; seen.has(shown); n++) shown = `${label} (${n})`;
    seen.add(shown);
    return shown;
  });
}

/** The memory table as a pie of the engine's capacity: every term, then the headroom; null when all are 0. */
export function memoryChart(plan: PlanCandidate): string[] | null {
  const parts = memoryParts(plan.memory);
  const slices = [...parts.terms, ...(parts.over > 0 ? [] : [{ name: 'headroom', bytes: parts.free }])];
  // Nothing to draw, or sizes no GPU has (a hand-edited plan.json: toFixed would write 1e+21).
  if (slices.every((s) => s.bytes === 0) || slices.some((s) => s.bytes / GiB >= 1e15)) return null;
  const labels = distinct(slices.map((s) => mermaidText(s.name)));
  const title =
    parts.over > 0
      ? `GiB per GPU: ${gib(parts.used)} needed, over the engine's ${gib(parts.capacity)} by ${gib(parts.over)}`
      : `GiB per GPU: ${gib(parts.used)} of the engine's ${gib(parts.capacity)} in use`;
  return ['pie showData', `${INDENT}title ${mermaidText(title, 120)}`, ...slices.map((s, i) => `${INDENT}"${labels[i]}" : ${gib(s.bytes)}`)];
}

/**
 * `value` on 0.1..0.9 for 0..`largest`: distances from 0 stay proportional (a candidate 10%
 * faster sits 10% higher; stretching the candidates' own range to the full square would make
 * any difference look like the widest there is). 0.1 and 0.9 keep points and labels off the border.
 */
function position(value: number, largest: number): string {
  const at = largest > 0 ? 0.1 + (0.8 * value) / largest : 0.5;
  // A negative value or a non-finite ratio (hand-edited plan.json) is held inside the square.
  return (Number.isFinite(at) ? Math.min(0.9, Math.max(0.1, at)) : 0.5).toFixed(3);
}

/**
 * Cost per hour (x) against tokens per second in all (y) of the plan (1) and its runners-up
 * (2…, as PLAN.md numbers them); null with fewer than two distinct points.
 */
export function costSpeedChart(result: PlanResult): string[] | null {
  if (!result.plan) return null;
  const candidates = [result.plan, ...result.alternatives];
  const points = new Map<string, { cost: number; speed: number; numbers: number[] }>();
  for (const [i, c] of candidates.entries()) {
    const cost = c.costPerHour;
    const speed = c.perf.outputTokensPerSecond;
    const key = `${cost}/${speed}`;
    const point = points.get(key) ?? { cost, speed, numbers: [] };
    point.numbers.push(i + 1);
    points.set(key, point);
  }
  if (points.size < 2) return null;
  const dearest = Math.max(...[...points.values()].map((p) => p.cost));
  const fastest = Math.max(...[...points.values()].map((p) => p.speed));
  const unit = result.plan.perf.batch > 1 || result.plan.replicas > 1 ? 'output tokens/s in all, at the planned load' : 'tokens/s';
  const xAxis = `${mermaidLabel('cheaper (from $0/h)')} --> ${mermaidLabel(`dearer (to ${money(dearest)}/h)`)}`;
  const yAxis = `${mermaidLabel(`slower (from 0 ${unit})`)} --> ${mermaidLabel(`faster (to ${fastest} ${unit})`)}`;
  return [
    'quadrantChart',
    `${INDENT}title Cost and speed of ${mermaidText(result.plan.model.name)}: this plan (1) and the runners-up`,
    `${INDENT}x-axis ${xAxis}`,
    `${INDENT}y-axis ${yAxis}`,
    ...[...points.values()].map((p) => {
      const label = p.numbers.map((n) => (n === 1 ? '1 (this plan)' : String(n))).join(', ');
      return `${INDENT}${mermaidLabel(label)}: [${position(p.cost, dearest)}, ${position(p.speed, fastest)}]`;
    }),
  ];
}
