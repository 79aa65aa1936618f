/**
 * The per-GPU memory as parts of the engine's capacity, and as a one-line text bar (pure).
 * `memoryParts` is shared by the CLI's memory table (cli/plan-format.ts) and PLAN.md's chart
 * (render/charts.ts), so both show the same parts with the same free space.
 */
import { formatGiB } from '../memory/units.js';
import type { PlanCandidate } from './schema.js';

export interface MemoryPart {
  name: string;
  bytes: number;
}

export interface MemoryParts {
  /** The memory table's terms in its order; a negative or non-finite term counts as 0. */
  terms: MemoryPart[];
  /** The terms' sum. */
  used: number;
  /** Capacity less the terms, or 0 when they exceed it. */
  free: number;
  /** How far the terms exceed the capacity, or 0. */
  over: number;
  capacity: number;
}

function bytesOf(n: number): number {
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/**
 * The terms of the memory table and what is left of the engine's capacity. Free space is the
 * capacity less these terms (not `headroomBytes`, which is computed from `perGpu.total`), so the
 * parts always add up to the capacity; for a plan gpuplan wrote the two agree to the byte or so.
 */
export function memoryParts(memory: PlanCandidate['memory']): MemoryParts {
  const terms = memory.terms.map((t) => ({ name: t.name, bytes: bytesOf(t.bytes) }));
  const used = terms.reduce((sum, t) => sum + t.bytes, 0);
  const capacity = bytesOf(memory.perGpu.capacity);
  return { terms, used, free: Math.max(0, capacity - used), over: Math.max(0, used - capacity), capacity };
}

/**
 * Whole cells for each value, `width` in all, in proportion to the values' sum (all 0 when
 * the sum is 0). Every count is less than one cell away from its exact share (largest
 * remainders: each value gets the floor of its share, and the cells left go to the largest
 * fractions, earlier values first on ties). Within that bound a value above zero whose share
 * rounded to no cell takes one from a value that was rounded up and keeps at least one cell,
 * so a small term is still seen; when no such donor exists it stays hidden, since showing it
 * would push another value more than a cell off its share. Zero and negative values get nothing.
 */
export function barCells(values: readonly number[], width: number): number[] {
  const clean = values.map(bytesOf);
  const total = clean.reduce((sum, v) => sum + v, 0);
  const cellCount = Math.max(0, Math.floor(width));
  if (total === 0 || cellCount === 0) return clean.map(() => 0);
  const exact = clean.map((v) => (v / total) * cellCount);
  const cells = exact.map((e) => Math.floor(e));
  let left = cellCount - cells.reduce((sum, c) => sum + c, 0);
  const fraction = (i: number) => (exact[i] as number) - (cells[i] as number);
  const positive = clean.map((_, i) => i).filter((i) => (clean[i] as number) > 0);
  const byFraction = [...positive].sort((a, b) => fraction(b) - fraction(a) || a - b);
  for (const i of byFraction) {
    if (left <= 0) break;
    cells[i] = (cells[i] as number) + 1;
    left--;
  }
  // Floating-point slack only: the fractions of n values sum to less than n.
  if (left > 0) {
    const largest = positive.reduce((best, i) => ((exact[i] as number) > (exact[best] as number) ? i : best), positive[0] as number);
    cells[largest] = (cells[largest] as number) + left;
  }
  const hidden = positive.filter((i) => cells[i] === 0).sort((a, b) => (exact[b] as number) - (exact[a] as number) || a - b);
  for (const i of hidden) {
    // The donor whose rounding up was least deserved: the most cells above its exact share.
    let donor = -1;
    for (const j of positive) {
      const over = (cells[j] as number) - (exact[j] as number);
      if (over > 0 && (cells[j] as number) >= 2 && (donor < 0 || over > (cells[donor] as number) - (exact[donor] as number))) donor = j;
    }
    if (donor < 0) continue;
    cells[donor] = (cells[donor] as number) - 1;
    cells[i] = 1;
  }
  return cells;
}

/** The text bar's width in cells (without its brackets). */
export const BAR_WIDTH = 40;

/** Symbols of the terms in table order (weights, KV cache, activations, overhead), then repeating; free space is `FREE_SYMBOL`. */
export const TERM_SYMBOLS = ['█', '▓', '▒', '▄'] as const;
export const FREE_SYMBOL = '░';

export function termSymbol(index: number): string {
  return TERM_SYMBOLS[index % TERM_SYMBOLS.length] as string;
}

/**
 * `[████████████▓▓▒▄░░░░░░]`: the terms then the free space, `width` cells for the capacity
 * (for the terms when they exceed it: the bar is then full and has no free cells). Blank
 * when there is nothing to show (capacity and terms all 0).
 */
export function memoryBar(parts: MemoryParts, width = BAR_WIDTH): string {
  const values = [...parts.terms.map((t) => t.bytes), parts.free];
  const symbols = [...parts.terms.map((_, i) => termSymbol(i)), FREE_SYMBOL];
  const cells = barCells(values, width);
  const body = cells.every((c) => c === 0) ? ' '.repeat(Math.max(0, Math.floor(width))) : cells.map((c, i) => (symbols[i] as string).repeat(c)).join('');
  return `[${body}]`;
}

/** "67% of 72.91 GiB in use", or how far the terms exceed the engine's capacity; empty without a capacity. */
export function memoryShare(parts: MemoryParts): string {
  if (parts.over > 0) return `over the engine's ${formatGiB(parts.capacity)} by ${formatGiB(parts.over)}`;
  return parts.capacity > 0 ? `${Math.round((parts.used / parts.capacity) * 100)}% of ${formatGiB(parts.capacity)} in use` : '';
}

/** The bar with its share, and its legend on the next line: PLAN.md's stacked bar of the per-GPU memory. */
export function memoryBarWithLegend(parts: MemoryParts, width = BAR_WIDTH): string[] {
  const share = memoryShare(parts);
  const legend = [...parts.terms.map((t, i) => `${termSymbol(i)} ${t.name}`), `${FREE_SYMBOL} headroom`].join('  ');
  return [`${memoryBar(parts, width)}${share ? `  ${share}` : ''}`, legend];
}
