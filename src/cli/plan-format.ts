import { formatGiB, thousands } from '../memory/units.js';
import { FREE_SYMBOL, memoryBar, memoryParts, memoryShare, termSymbol } from '../planner/memory-bar.js';
import { closestPerHardware, describeCandidate, describeHardware, describeSpeed, describeWeights, money, rejectedLabel } from '../planner/describe.js';
import type { PlanCandidate, PlanResult } from '../planner/schema.js';

const REJECTED_SHOWN = 12;

function gib(bytes: number): string {
  return formatGiB(bytes).padStart(11);
}

/**
 * The memory table, led by a one-line bar of the engine's capacity: each row's symbol is its
 * legend (█ weights, ▓ KV cache, ▒ activations, ▄ overhead, ░ headroom), so the bar needs no colour.
 */
function memoryTable(c: PlanCandidate): string[] {
  const m = c.memory.perGpu;
  const parts = memoryParts(c.memory);
  const names = [...c.memory.terms.map((t) => t.name), 'headroom'];
  const width = Math.max(15, ...names.map((n) => n.length + 2));
  const share = memoryShare(parts);
  const lines = [`Memory per GPU (the fullest one; ${formatGiB(c.gpu.memoryBytes)} physical, ${formatGiB(m.capacity)} for the engine)`];
  lines.push(`  ${memoryBar(parts)}${share ? `  ${share}` : ''}`);
  for (const [i, term] of c.memory.terms.entries()) lines.push(`  ${termSymbol(i)} ${term.name.padEnd(width)}${gib(term.bytes)}   ${term.formula}`);
  lines.push(`    ${'total'.padEnd(width)}${gib(m.total)}`);
  lines.push(`  ${FREE_SYMBOL} ${'headroom'.padEnd(width)}${gib(c.memory.headroomBytes)}   of ${formatGiB(m.capacity)}`);
  lines.push(`  KV cache pool  ${thousands(c.memory.kvCacheTokens)} tokens = ${c.memory.maxConcurrency} × ${thousands(c.context)}-token requests at once`);
  if (c.memory.hostWeightBytes > 0) lines.push(`  host RAM       ${formatGiB(c.memory.hostRamBytes)} (${formatGiB(c.memory.hostWeightBytes)} of layers run on the CPU)`);
  lines.push(`  disk           ${formatGiB(c.memory.diskBytes)} for the weights`);
  return lines;
}

/** "N configurations searched (M through an engine's memory model)": the first counts those ruled out before any engine ran. */
function searchedLine(r: PlanResult): string {
  const modelled =
    r.modelled !== undefined && r.modelled !== r.searched
      ? ` (${r.modelled} through an engine's memory model; the rest ruled out before: weights larger than the GPUs, or an engine that cannot run them)`
      : '';
  return `${r.searched} configuration${r.searched === 1 ? '' : 's'} searched${modelled}.`;
}

/** The load target and how the layout carries it, with why that layout. */
function loadLines(c: PlanCandidate): string[] {
  const l = c.load;
  if (!l || l.target === 'one-user') return [];
  const limits = [l.tpotLimitMs !== null ? `TPOT ≤ ${l.tpotLimitMs} ms` : '', l.ttftLimitMs !== null ? `TTFT ≤ ${l.ttftLimitMs} ms` : ''].filter(Boolean).join(', ');
  const target = l.target === 'rate' ? `${l.requestsPerSecond} requests/s` : `${l.users} users`;
  const lines = [`load: ${target} of ${thousands(l.inputLen)} in / ${thousands(l.outputLen)} out tokens${limits ? `, ${limits}` : ''}; carries up to ${l.capacityRequestsPerSecond} requests/s`];
  return lines.concat(l.why.map((w) => `why: ${w}`));
}

export function formatPlan(r: PlanResult): string {
  const q = r.request;
  const lines: string[] = [];
  lines.push(`gpuplan plan — ${q.model}, budget ${q.budget}, context ${thousands(q.context)} × ${q.concurrency} sequence(s), ≥ ${q.minBits} bits`);
  lines.push('');
  const c = r.plan;
  if (c) {
    lines.push(`PLAN  ${describeHardware(c)}`);
    lines.push(`      ${describeWeights(c)}`);
    lines.push(`      ${money(c.costPerHour)}/h · ${describeSpeed(c)}`);
    lines.push(...loadLines(c).map((l) => `      ${l}`));
    lines.push('');
    lines.push(...memoryTable(c));
    if (c.logLines.length > 0) {
      lines.push('', `${c.engineName} should log`);
      for (const l of c.logLines) lines.push(`  ${l}`);
    }
    if (c.notes.length > 0) {
      lines.push('', 'Notes');
      for (const n of c.notes) lines.push(`  - ${n}`);
    }
  } else {
    lines.push('NOTHING FITS this budget at these settings.');
    const why = r.whyNothingFits?.reasons ?? [];
    if (why.length > 0) {
      lines.push('', 'Why');
      for (const reason of why) lines.push(`  - ${reason}`);
    }
  }
  if (r.rejected.length > 0) {
    const shown = closestPerHardware(r.rejected, c);
    lines.push('', c ? 'Why not cheaper (or better at the same price)' : 'What was tried (cheapest first)');
    for (const x of shown.slice(-REJECTED_SHOWN)) lines.push(`  - ${rejectedLabel(x)} (${money(x.costPerHour)}/h): ${x.verdict.message}`);
    const hidden = r.rejected.length - Math.min(shown.length, REJECTED_SHOWN);
    if (hidden > 0) lines.push(`  (${hidden} more rejected candidates: --json lists them all)`);
  }
  if (r.alternatives.length > 0) {
    lines.push('', 'Runners-up');
    for (const [i, a] of r.alternatives.entries()) lines.push(`  ${i + 2}. ${describeCandidate(a)}`);
  }
  if (r.suggestions.length > 0) {
    lines.push('', 'What would fit');
    for (const s of r.suggestions) lines.push(`  - ${s.message}`, ...(s.tradeoff ? [`      costs: ${s.tradeoff}`] : []), `      ${s.command}`);
  }
  lines.push('', `Speeds are estimates from each engine's speed model, fitted to published benchmarks (README, "Speed accuracy"), not measurements. ${searchedLine(r)}`);
  return `${lines.join('\n')}\n`;
}
