import type { Gpu } from '../catalog/schema.js';
import { ANY_COUNT_MAX_NODES, type GpuAllowance } from './budget.js';

/** One hardware shape to try: `count` GPUs of one type over `nodes` machines. */
export interface Hardware {
  gpu: Gpu;
  count: number;
  nodes: number;
  costPerHour: number;
  /** Most GPUs of this type the budget allows. */
  allowed: number;
  /** The hourly ceiling when the budget is a price. */
  maxPerHour: number | null;
  /** The budget names this many GPUs over several nodes (GpuAllowance.nodesNamed). */
  nodesNamed: boolean;
}

/** The GPU types among these shapes, each once. */
export function distinctGpus(hardware: readonly Hardware[]): Gpu[] {
  return [...new Map(hardware.map((h) => [h.gpu.id, h.gpu])).values()];
}

/** GPU counts inside one node that engines split well: powers of two, and the node's (or budget's) full count. */
const NODE_COUNTS = [1, 2, 4, 8];

/**
 * The GPU counts a budget allows for each GPU type: 1, 2, 4, 8 in one node (never
 * more than the node holds), then whole nodes. Price budgets reach at most
 * ANY_COUNT_MAX_NODES nodes. Cheapest first.
 */
export function hardwareOptions(allowances: readonly GpuAllowance[], price: (gpu: Gpu) => number): Hardware[] {
  const byKey = new Map<string, Hardware>();
  for (const a of allowances) {
    const perNode = a.gpu.maxPerNode;
    const inNode = Math.min(a.maxGpus, perNode);
    const counts = new Set(NODE_COUNTS.filter((c) => c <= inNode));
    counts.add(inNode);
    const maxNodes = a.maxPerHour !== null ? Math.min(a.maxNodes, ANY_COUNT_MAX_NODES) : a.maxNodes;
    for (let nodes = 2; nodes <= maxNodes && nodes * perNode <= a.maxGpus; nodes++) counts.add(nodes * perNode);
    for (const count of counts) {
      const costPerHour = count * price(a.gpu);
      if (a.maxPerHour !== null && costPerHour > a.maxPerHour + 1e-9) continue;
      const key = `${a.gpu.id}:${count}`;
      const previous = byKey.get(key);
      const allowed = Math.max(previous?.allowed ?? 0, a.maxGpus);
      const nodesNamed = (previous?.nodesNamed ?? false) || a.nodesNamed;
      byKey.set(key, { gpu: a.gpu, count, nodes: Math.ceil(count / perNode), costPerHour, allowed, maxPerHour: a.maxPerHour, nodesNamed });
    }
  }
  // Ids compare by code point: String#localeCompare would initialise ICU's collator, ~8 ms of every plan's start-up.
  return [...byKey.values()].sort((x, y) => x.costPerHour - y.costPerHour || x.count - y.count || (x.gpu.id < y.gpu.id ? -1 : x.gpu.id > y.gpu.id ? 1 : 0));
}
