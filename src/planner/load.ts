/**
 * Sizing for load (docs/ARCHITECTURE.md, "Planner: load"): whether copies of one instance meet a
 * target — a request rate or a number of users, each within optional TPOT/TTFT limits — and at
 * which batch they run to do it. Pure.
 */
import type { PerfEstimate } from '../perf/model.js';

export interface LoadTarget {
  /** `one-user`: no target, one request at a time (plan's default). */
  kind: 'one-user' | 'rate' | 'users';
  /** Requests per second the deployment must complete (kind `rate`). */
  rate: number | null;
  /** Users each with one request in flight (kind `users`). */
  users: number | null;
  inputLen: number;
  outputLen: number;
  tpotSeconds: number | null;
  ttftSeconds: number | null;
}

export interface LoadResult {
  ok: boolean;
  /** Requests in flight per instance at the planned load. */
  batch: number;
  perf: PerfEstimate;
  /** Requests/s all copies complete at the largest batch within the latency limits (0: none). */
  capacityRequestsPerSecond: number;
  /** Requests/s at the planned load. */
  requestsPerSecond: number;
  /** Output tokens/s of all copies at the planned load. */
  outputTokensPerSecond: number;
  /** Why not, in words (when !ok). */
  message: string;
}

/**
 * The most of its capacity a deployment is planned to run at under a request rate. Requests arrive at
 * random: as utilisation ρ nears 1 the queue, and so TTFT, grows without bound (M/D/1: the mean wait is
 * ρ / (2(1 − ρ)) service times, 2 at ρ = 0.8, 4.5 at 0.9). A user count needs no margin: each user
 * waits for their answer before the next request (a closed loop), so the batch never exceeds them.
 */
export const MAX_UTILIZATION = 0.8;

function within(p: PerfEstimate, t: LoadTarget): boolean {
  return (t.tpotSeconds === null || p.tpotSeconds <= t.tpotSeconds) && (t.ttftSeconds === null || p.ttftSeconds <= t.ttftSeconds);
}

/**
 * The smallest batch in [lo, hi] for which `good` holds, given that it holds from some batch on; hi + 1 if never.
 * Galloping: lo, 2·lo, 4·lo, … until it holds, then a search below that. The doubling batches are the same
 * whatever `hi` is, so the searches of one instance (its latency limit, its capacity scan over powers of two,
 * the batch a rate needs; the slot counts a GGUF server tries) ask mostly speeds they asked already.
 * `gap(b)`, when given, is a quantity that crosses zero where `good` starts to hold and is nearly linear in the
 * batch (latency over its limit, requests/s short of the rate): the first probe below is where the line through
 * the two ends crosses zero, and the batch before it, which settles a linear gap in two speeds instead of
 * bisection's log2 of the interval. Bisection takes over when they do not settle it; the answer is the same.
 */
// Exported for test/planner/load.test.ts.
export function firstTrue(lo: number, hi: number, good: (b: number) => boolean, gap?: (b: number) => number): number {
  let below = lo - 1;
  let probe = lo;
  while (probe <= hi && !good(probe)) {
    below = probe;
    probe = Math.max(probe + 1, probe * 2);
  }
  let a = below + 1;
  let b = Math.min(probe, hi + 1);
  if (gap && a < b && below >= lo && b <= hi) {
    const ga = gap(below);
    const gb = gap(b);
    if (gb > ga) {
      const guess = Math.min(b - 1, Math.max(a, Math.ceil(below + ((0 - ga) / (gb - ga)) * (b - below))));
      if (good(guess)) {
        b = guess;
        if (guess - 1 >= a && !good(guess - 1)) a = guess;
      } else a = guess + 1;
    }
  }
  while (a < b) {
    const mid = Math.floor((a + b) / 2);
    if (good(mid)) b = mid;
    else a = mid + 1;
  }
  return a;
}

/** How far a speed is past the limits, as a share of them: positive outside, negative within. */
function overLimits(p: PerfEstimate, t: LoadTarget): number {
  const tpot = t.tpotSeconds === null ? Number.NEGATIVE_INFINITY : p.tpotSeconds / t.tpotSeconds - 1;
  const ttft = t.ttftSeconds === null ? Number.NEGATIVE_INFINITY : p.ttftSeconds / t.ttftSeconds - 1;
  return Math.max(tpot, ttft);
}

function limitsText(t: LoadTarget): string {
  const parts = [t.tpotSeconds !== null ? `TPOT ≤ ${(t.tpotSeconds * 1e3).toFixed(0)} ms` : '', t.ttftSeconds !== null ? `TTFT ≤ ${(t.ttftSeconds * 1e3).toFixed(0)} ms` : ''].filter(Boolean);
  return parts.length ? ` within ${parts.join(' and ')}` : '';
}

/** What one instance carries within the limits: the largest batch inside them and the batch of most throughput. */
interface InstanceCapacity {
  one: PerfEstimate;
  /** The largest batch within the limits (0: not even one request). */
  largest: number;
  /** The batch, up to `largest`, that completes the most requests/s. */
  top: PerfEstimate;
}

function instanceCapacity(perfAt: (batch: number) => PerfEstimate, sustained: number, t: LoadTarget, graphBatch: number): InstanceCapacity {
  const one = perfAt(1);
  if (!within(one, t)) return { one, largest: 0, top: one };
  if (t.kind === 'one-user') return { one, largest: 1, top: one };
  const largest =
    t.tpotSeconds === null && t.ttftSeconds === null
      ? sustained
      : firstTrue(
          1,
          sustained,
          (b) => !within(perfAt(b), t),
          (b) => overLimits(perfAt(b), t),
        ) - 1;
  // Throughput need not peak at the largest batch: a step past the CUDA-graph size runs eagerly and costs more,
  // so the last batch that replays a graph may carry more. Away from that cliff it mostly rises with the batch
  // (very short outputs dip a little where starting requests' eager steps saturate): the batches 1, 2, 4, … up
  // to the largest are compared too.
  let peak = largest;
  if (graphBatch < largest && perfAt(graphBatch).requestsPerSecond > perfAt(peak).requestsPerSecond) peak = graphBatch;
  for (let b = 1; b < largest; b *= 2) if (perfAt(b).requestsPerSecond > perfAt(peak).requestsPerSecond) peak = b;
  return { one, largest, top: perfAt(peak) };
}

/** Whether `copies` instances carry the target: meetLoad's verdict without sizing the planned batch. */
export function carriesLoad(perfAt: (batch: number) => PerfEstimate, sustained: number, copies: number, t: LoadTarget, graphBatch = Number.POSITIVE_INFINITY): boolean {
  const { largest, top } = instanceCapacity(perfAt, sustained, t, graphBatch);
  if (largest === 0) return false;
  if (t.kind === 'one-user') return true;
  if (t.kind === 'users') return Math.ceil((t.users ?? 1) / copies) <= largest;
  return copies * top.requestsPerSecond * MAX_UTILIZATION >= (t.rate ?? 0);
}

/**
 * `copies` identical instances, each running at most `sustained` requests at once (the engine's
 * limit and its KV pool), against the target. Latency grows with the batch, so the largest batch
 * within the limits is found by bisection; the planned batch is the smallest that carries the load.
 * `graphBatch` is the largest batch whose steps replay a CUDA graph (perf/model.ts graphBatchLimit).
 */
export function meetLoad(perfAt: (batch: number) => PerfEstimate, sustained: number, copies: number, t: LoadTarget, graphBatch = Number.POSITIVE_INFINITY): LoadResult {
  const { one, largest, top } = instanceCapacity(perfAt, sustained, t, graphBatch);
  const fail = (batch: number, perf: PerfEstimate, capacity: number, message: string): LoadResult => ({
    ok: false,
    batch,
    perf,
    capacityRequestsPerSecond: capacity,
    requestsPerSecond: 0,
    outputTokensPerSecond: 0,
    message,
  });
  if (largest === 0) {
    const what = t.tpotSeconds !== null && one.tpotSeconds > t.tpotSeconds ? `TPOT ${(one.tpotSeconds * 1e3).toFixed(1)} ms` : `TTFT ${(one.ttftSeconds * 1e3).toFixed(0)} ms`;
    return fail(1, one, 0, `${what} at one request already misses the limit${limitsText(t)}`);
  }
  if (t.kind === 'one-user') {
    return { ok: true, batch: 1, perf: one, capacityRequestsPerSecond: one.requestsPerSecond, requestsPerSecond: one.requestsPerSecond, outputTokensPerSecond: one.outputTokensPerSecond, message: '' };
  }
  const capacity = copies * top.requestsPerSecond;
  if (t.kind === 'users') {
    const users = t.users ?? 1;
    const batch = Math.ceil(users / copies);
    if (batch > largest) {
      const cap = largest < sustained ? `${largest} run${limitsText(t)}` : `the engine runs ${sustained} at once`;
      return fail(batch, perfAt(Math.min(batch, sustained)), capacity, `${users} users need ${batch} requests at once per instance; ${cap}`);
    }
    const perf = perfAt(batch);
    return { ok: true, batch, perf, capacityRequestsPerSecond: capacity, requestsPerSecond: copies * perf.requestsPerSecond, outputTokensPerSecond: copies * perf.outputTokensPerSecond, message: '' };
  }
  const rate = t.rate ?? 0;
  if (capacity * MAX_UTILIZATION < rate) {
    // The batch named is the one the capacity was measured at (the last graphed one can carry more than the largest).
    return fail(
      top.batch,
      top,
      capacity,
      `serves at most ${capacity.toFixed(1)} requests/s${limitsText(t)} (${copies} × ${top.batch} requests at once); ${rate} requests/s needs ${(rate / MAX_UTILIZATION).toFixed(1)} to keep ${MAX_UTILIZATION * 100}% utilisation`,
    );
  }
  // The smallest batch that carries the rate: below the CUDA-graph cliff first (throughput falls across it), then
  // above it. Whatever the curve, the batch returned carries the rate (firstTrue only returns batches that do).
  const carries = (b: number) => copies * perfAt(b).requestsPerSecond >= rate;
  const short = (b: number) => copies * perfAt(b).requestsPerSecond - rate;
  const graphed = Math.min(largest, graphBatch);
  let batch = firstTrue(1, graphed, carries, short);
  if (batch > graphed) batch = firstTrue(graphed + 1, largest, carries, short);
  batch = Math.min(largest, batch);
  const perf = perfAt(batch);
  return { ok: true, batch, perf, capacityRequestsPerSecond: capacity, requestsPerSecond: rate, outputTokensPerSecond: rate * t.outputLen, message: '' };
}
