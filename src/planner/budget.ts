/**
 * The budget grammar (docs/ARCHITECTURE.md, "CLI contract"), case-insensitive, alternatives separated by commas:
 *
 *   budget      := alternative ("," alternative)*
 *   alternative := price | gpus
 *   price       := "$" amount ("/h" | "/hr" | "/hour")?          $25/h: any GPUs whose total price fits
 *   gpus        := "<="? count "x" gpu                            8xA100, <=16xH100: up to count GPUs
 *                | nodes "x" count "x" gpu                        2x8xH100: up to nodes × count
 *                | gpu                                            H100: any count
 *
 * A count is a ceiling: the planner may use fewer GPUs when that is cheaper.
 * Parsing is pure and knows no catalog; `resolveBudget` matches GPU names.
 */
import type { Catalog } from '../catalog/catalog.js';
import { gpusNamed } from '../catalog/lookup.js';
import type { Gpu } from '../catalog/schema.js';
import { closest } from '../util/closest.js';
import { UserError } from '../util/errors.js';

export type BudgetTerm = { kind: 'price'; maxPerHour: number } | { kind: 'gpus'; gpu: string; count: number | null; nodes: number | null; atMost: boolean };

export type Budget = BudgetTerm[];

/** GPUs a bare name (`H100`) may use: whole nodes up to this many. */
export const ANY_COUNT_MAX_NODES = 4;

const GPU_NAME = /^[a-z0-9][a-z0-9 ._-]*$/i;
const COUNT = /^\d+$/;
const SHAPES = 'COUNTxGPU (8xA100), NODESxCOUNTxGPU (2x8xH100), <=COUNTxGPU, GPU (H100) or $PRICE/h ($25/h)';

function fail(term: string, why: string): never {
  throw new UserError(`budget "${term}": ${why}`);
}

/** Valid GPU names nearest to a bad budget part, when the caller supplied the names. */
function nearest(part: string, names: readonly string[]): string {
  return names.length > 0 ? `; nearest GPU names: ${closest(part, names, 4).join(', ')}` : '';
}

function parseCount(text: string, term: string, what: string): number {
  if (!COUNT.test(text)) fail(term, `${what} "${text}" is not a whole number; expected ${SHAPES}`);
  const n = Number(text);
  if (n < 1) fail(term, `${what} must be at least 1, got ${text}`);
  if (n > 4096) fail(term, `${what} ${text} is more than gpuplan plans for (4096)`);
  return n;
}

function parsePrice(term: string): BudgetTerm {
  const match = /^\$\s*([^/\s]*)\s*(?:\/\s*(?:h|hr|hour))?$/i.exec(term);
  const amount = match?.[1] ?? '';
  if (!match || !/^\d+(\.\d+)?$/.test(amount) || Number(amount) <= 0) {
    fail(term, 'a price must be a positive number of US dollars per hour, e.g. $25/h');
  }
  return { kind: 'price', maxPerHour: Number(amount) };
}

/** Splits `2x8xH100` from the right: the GPU name is what follows the last count. */
function splitGpuTerm(term: string): string[] {
  // × as \u00d7: the CLI's bundle stays ASCII (scripts/bundle.mjs).
  const match = /^(?:(\d*)\s*[x\u00d7*]\s*)?(?:(\d*)\s*[x\u00d7*]\s*)?(.*)$/i.exec(term);
  if (!match) return [term];
  const [, a, b, gpu] = match;
  return [a, b, gpu].filter((p): p is string => p !== undefined);
}

/**
 * Parses a budget. `gpuNames`, when given, are offered as the nearest valid names
 * in errors; parsing itself knows no catalog.
 */
export function parseBudget(text: string, gpuNames: readonly string[] = []): Budget {
  const terms = text.split(',').map((t) => t.trim());
  if (terms.some((t) => t === '')) fail(text, `empty alternative; expected ${SHAPES}, separated by commas`);
  return terms.map((term) => (term.startsWith('$') ? parsePrice(term) : parseGpuTerm(term, gpuNames)));
}

function parseGpuTerm(term: string, gpuNames: readonly string[]): BudgetTerm {
  const atMost = term.startsWith('<=');
  const body = atMost ? term.slice(2).trim() : term;
  const parts = splitGpuTerm(body);
  const gpu = parts[parts.length - 1] ?? '';
  const counts = parts.slice(0, -1);
  if (counts.includes('')) fail(term, `a number must come before each "x"; expected ${SHAPES}${nearest(gpu, gpuNames)}`);
  // A GPU name may be all digits (`4090`, `3090`: catalog aliases), so `4x4090` is 4 × RTX 4090;
  // whether it names a GPU is for resolveBudget, which knows the catalog.
  if (gpu === '' || !GPU_NAME.test(gpu) || /^x/i.test(gpu)) {
    fail(term, `"${gpu || term}" is not a GPU name; expected ${SHAPES}${nearest(gpu || term, gpuNames)}`);
  }
  if (counts.length === 0) {
    if (atMost) fail(term, `"<=" needs a count, e.g. <=16x${gpu}`);
    return { kind: 'gpus', gpu, count: null, nodes: null, atMost: false };
  }
  if (counts.length === 1) {
    return { kind: 'gpus', gpu, count: parseCount(counts[0] ?? '', term, 'GPU count'), nodes: null, atMost };
  }
  if (atMost) fail(term, `"<=" takes COUNTxGPU, not nodes × count`);
  return {
    kind: 'gpus',
    gpu,
    nodes: parseCount(counts[0] ?? '', term, 'node count'),
    count: parseCount(counts[1] ?? '', term, 'GPUs per node'),
    atMost: false,
  };
}

export function printBudgetTerm(term: BudgetTerm): string {
  if (term.kind === 'price') return `$${term.maxPerHour}/h`;
  if (term.count === null) return term.gpu;
  if (term.nodes !== null) return `${term.nodes}x${term.count}x${term.gpu}`;
  return `${term.atMost ? '<=' : ''}${term.count}x${term.gpu}`;
}

export function printBudget(budget: Budget): string {
  return budget.map(printBudgetTerm).join(',');
}

/** One GPU type the planner may use, with how many of it and at what price ceiling. */
export interface GpuAllowance {
  gpu: Gpu;
  /** Most GPUs of this type in one deployment. */
  maxGpus: number;
  /** Most nodes they may span; GPUs per node never exceed the GPU's maxPerNode. */
  maxNodes: number;
  /** Hourly ceiling for the whole deployment, for `$X/h` budgets. */
  maxPerHour: number | null;
  /**
   * The budget itself names more of these GPUs than one node holds (`16xH100`, `2x8xH100`): a deployment
   * sized for load may then run the same one-node server on each of those nodes. A price or a bare GPU
   * name does not ask for several machines, so copies stay on one node there.
   */
  nodesNamed: boolean;
  /** The budget text this allowance came from. */
  from: string;
}

/** The names a budget may use for GPUs: families (`a100`) and ids (`a100-80g`). */
export function budgetGpuNames(catalog: Catalog): string[] {
  return [...new Set(catalog.gpus.flatMap((g) => [g.family, g.id, ...g.aliases]))];
}

/**
 * Matches the budget's GPU names against the catalog and turns every alternative
 * into per-GPU-type allowances. Unknown names fail with the nearest valid ones.
 */
export function resolveBudget(budget: Budget, catalog: Catalog, prices: (gpu: Gpu) => number): GpuAllowance[] {
  const allowances: GpuAllowance[] = [];
  for (const term of budget) {
    const text = printBudgetTerm(term);
    if (term.kind === 'price') {
      for (const gpu of catalog.gpus) {
        const affordable = Math.floor(term.maxPerHour / prices(gpu) + 1e-9);
        if (affordable < 1) continue;
        allowances.push({
          gpu,
          maxGpus: affordable,
          maxNodes: Math.ceil(affordable / gpu.maxPerNode),
          maxPerHour: term.maxPerHour,
          nodesNamed: false,
          from: text,
        });
      }
      continue;
    }
    const gpus = gpusNamed(catalog, term.gpu);
    if (gpus.length === 0) {
      const countOnly = COUNT.test(term.gpu) ? ` (a count needs a GPU after it, e.g. ${term.gpu}xH100)` : '';
      fail(text, `unknown GPU "${term.gpu}"${countOnly}; nearest GPU names: ${closest(term.gpu, budgetGpuNames(catalog), 4).join(', ')}`);
    }
    for (const gpu of gpus) {
      if (term.nodes !== null && (term.count ?? 0) > gpu.maxPerNode) {
        fail(text, `${gpu.id} nodes hold at most ${gpu.maxPerNode} GPUs, not ${term.count}`);
      }
      const maxGpus = term.count === null ? gpu.maxPerNode * ANY_COUNT_MAX_NODES : term.nodes !== null ? term.nodes * term.count : term.count;
      allowances.push({
        gpu,
        maxGpus,
        maxNodes: term.nodes ?? Math.ceil(maxGpus / gpu.maxPerNode),
        maxPerHour: null,
        nodesNamed: term.count !== null && maxGpus > gpu.maxPerNode,
        from: text,
      });
    }
  }
  return allowances;
}
