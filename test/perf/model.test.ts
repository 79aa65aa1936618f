/**
 * The speed model's mechanisms, each against the formula docs/ARCHITECTURE.md ("Speed") states for it;
 * the numbers as a whole are held to published measurements in benchmarks.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { burstThroughput, decodeStep, estimatePerf, expertsTouched, stepTime, type PerfConstants, type PerfShape } from '../../src/perf/model.js';
import { meetLoad, MAX_UTILIZATION, type LoadTarget } from '../../src/planner/load.js';

const C: PerfConstants = {
  bandwidthEfficiency: 0.8,
  computeEfficiency: 0.5,
  hopperComputeScale: 1,
  moeComputeEfficiency: 0.25,
  expertTokensAtHalfEfficiency: 8,
  mxfp4ExpertScale: 1,
  fp8ExpertScale: 1,
  layerSeconds: 20e-6,
  moeLayerSeconds: 50e-6,
  eagerLayerSeconds: 100e-6,
  stepSeconds: 1e-3,
  sequenceSeconds: 10e-6,
  burstEfficiency: 0.5,
  fittedTo: [],
  source: 'test',
};

/** A DeepSeek-V3-like MoE on one H100: 256 experts, 8 per token. */
const MOE: PerfShape = {
  gpu: { memoryBandwidthGBs: 3350, bf16Tflops: 989, fp8Tflops: 1979, interconnect: { kind: 'nvlink', bandwidthGBs: 450, source: 'test' }, architecture: 'hopper' },
  fp8Compute: true,
  tp: 1,
  pp: 1,
  dp: 1,
  expertShards: 1,
  expertParallel: false,
  multiNode: false,
  layers: 61,
  moeLayers: 58,
  hiddenSize: 7168,
  experts: { count: 256, perToken: 8 },
  expertFormat: 'other',
  denseBytes: 20e9,
  expertBytes: 650e9,
  hostBytes: 0,
  denseActiveParams: 16e9,
  expertActiveParams: 21e9,
  kvBytesPerToken: 70_272,
  stateBytesPerSequence: 0,
  attentionFlopsPerContextToken: 1e6,
  graphTokens: 512,
  prefillChunkTokens: 8192,
};

describe('speed model mechanisms', () => {
  it('one token reads k experts; a large batch reads them all (E × (1 − (1 − k/E)^n))', () => {
    expect(expertsTouched(256, 8, 1)).toBeCloseTo(8, 10);
    expect(expertsTouched(256, 8, 2)).toBeCloseTo(256 * (1 - (248 / 256) ** 2), 10);
    expect(expertsTouched(256, 8, 2000)).toBeGreaterThan(255.9);
  });

  it('a MoE step at batch 1 reads the dense part and k/E of the experts, not the whole model', () => {
    const step = stepTime(MOE, C, 1, 1, 1, 0);
    expect(step.weightBytes).toBeCloseTo(20e9 + (650e9 * 8) / 256, -3);
    expect(stepTime(MOE, C, 1000, 1000, 1000, 0).weightBytes).toBeGreaterThan(669e9);
  });

  it('the fixed costs: layers, MoE layers, the step and each running sequence; more layers above the CUDA-graph size', () => {
    const small = stepTime(MOE, C, 1, 1, 1, 0);
    expect(small.fixedSeconds).toBeCloseTo(61 * 20e-6 + 58 * 50e-6 + 1e-3 + 10e-6, 12);
    const eager = stepTime(MOE, C, 600, 600, 600, 0);
    // Below the graph size, the share of steps that start a request and carry its prompt: (B − 1) / output.
    expect(decodeStep(MOE, C, { batch: 51, inputLen: 1000, outputLen: 200 }).eagerSeconds).toBeCloseTo((50 / 200) * 61 * 100e-6, 12);
    expect(eager.fixedSeconds).toBeCloseTo(61 * 20e-6 + 58 * 50e-6 + 61 * 100e-6 + 1e-3 + 600 * 10e-6, 12);
  });

  it('continuous batching: each step also prefills (B − 1) / B × input / output prompt tokens per sequence', () => {
    const w = { batch: 64, inputLen: 3000, outputLen: 300 };
    const withPrefill = decodeStep(MOE, C, w);
    const without = decodeStep(MOE, C, w, false);
    expect(withPrefill.computeSeconds).toBeGreaterThan(3 * without.computeSeconds);
    // One request alone has its prompt prefilled before decoding: nothing interleaved.
    expect(decodeStep(MOE, C, { ...w, batch: 1 }).seconds).toBeCloseTo(decodeStep(MOE, C, { ...w, batch: 1 }, false).seconds, 12);
  });

  it('pipeline stages: no bubble for one request, (m + pp − 1) / pp of a micro-batch step for m = pp', () => {
    const pp2 = { ...MOE, pp: 2 };
    const one = decodeStep(pp2, C, { batch: 1, inputLen: 0, outputLen: 100 });
    expect(one.seconds).toBeCloseTo(stepTime(pp2, C, 1, 1, 1, 50).seconds, 12);
    const eight = decodeStep(pp2, C, { batch: 8, inputLen: 0, outputLen: 100 });
    expect(eight.seconds).toBeCloseTo(stepTime(pp2, C, 4, 4, 4, 50).seconds * 1.5, 12);
  });

  it('experts shared by data-parallel ranks: every rank gathers every rank’s tokens, expert parallel or not (vLLM’s default all-to-all)', () => {
    const dp8 = { ...MOE, dp: 8, expertShards: 8 };
    const ep = stepTime({ ...dp8, expertParallel: true }, C, 32, 32, 256, 1000);
    const gather = stepTime(dp8, C, 32, 32, 256, 1000);
    expect(ep.commSeconds).toBe(gather.commSeconds);
    expect(gather.commSeconds).toBeGreaterThan(0);
    expect(stepTime(MOE, C, 32, 32, 32, 1000).commSeconds).toBe(0);
  });

  it('TTFT is the prompt’s prefill, plus the step in progress under load; throughput counts it', () => {
    const one = estimatePerf(MOE, C, { batch: 1, inputLen: 1000, outputLen: 100 });
    expect(one.outputTokensPerSecond).toBeCloseTo(100 / (one.ttftSeconds + 99 * one.tpotSeconds), 9);
    const busy = estimatePerf(MOE, C, { batch: 32, inputLen: 1000, outputLen: 100 });
    expect(busy.ttftSeconds).toBeGreaterThan(one.ttftSeconds);
    // A MoE batch touches more experts per step, so 32 requests are not 32 times one; still several times more.
    expect(busy.outputTokensPerSecond).toBeGreaterThan(3 * one.outputTokensPerSecond);
  });

  it('a burst runs at most the instance’s batch; the drain discounts memory and fixed time, not compute', () => {
    const full = { ...C, burstEfficiency: 1 };
    expect(burstThroughput(MOE, full, 100, 100, 200, 200)).toBeCloseTo(100 / decodeStep(MOE, full, { batch: 100, inputLen: 200, outputLen: 200 }).seconds, 6);
    expect(burstThroughput(MOE, C, 1000, 64, 200, 200)).toBeCloseTo(burstThroughput(MOE, C, 64, 64, 200, 200), 9);
    expect(burstThroughput(MOE, C, 100, 100, 200, 200)).toBeLessThan(burstThroughput(MOE, full, 100, 100, 200, 200));
  });
});

describe('meeting a load target (planner/load.ts)', () => {
  // A server whose TPOT grows 1 ms per request from 10 ms; TTFT 100 ms; 100 output tokens.
  const perfAt = (batch: number) => estimateLike(batch);
  function estimateLike(batch: number) {
    const tpot = 0.01 + 0.001 * batch;
    const ttft = 0.1;
    const requestSeconds = ttft + 99 * tpot;
    return {
      batch,
      ttftSeconds: ttft,
      tpotSeconds: tpot,
      perSequenceTokensPerSecond: 1 / tpot,
      outputTokensPerSecond: (batch / requestSeconds) * 100,
      requestsPerSecond: batch / requestSeconds,
      bound: 'memory' as const,
      formula: '',
    };
  }
  const target = (over: Partial<LoadTarget>): LoadTarget => ({ kind: 'rate', rate: null, users: null, inputLen: 100, outputLen: 100, tpotSeconds: null, ttftSeconds: null, ...over });

  it('a rate: the smallest batch that carries it, capacity at the largest batch within the TPOT limit', () => {
    const r = meetLoad(perfAt, 200, 1, target({ rate: 5, tpotSeconds: 0.05 }));
    expect(r.ok).toBe(true);
    // Within 50 ms the server runs 40 at once: 40 / (0.1 + 99 × 0.05) = 7.92 requests/s.
    expect(r.capacityRequestsPerSecond).toBeCloseTo(40 / (0.1 + 99 * 0.05), 9);
    expect(r.perf.requestsPerSecond).toBeGreaterThanOrEqual(5);
    expect(perfAt(r.batch - 1).requestsPerSecond).toBeLessThan(5);
  });

  it(`a rate is planned at ${MAX_UTILIZATION * 100}% of capacity at most; copies multiply it`, () => {
    expect(meetLoad(perfAt, 200, 1, target({ rate: 7, tpotSeconds: 0.05 })).ok).toBe(false);
    expect(meetLoad(perfAt, 200, 2, target({ rate: 7, tpotSeconds: 0.05 })).ok).toBe(true);
  });

  it('users: each copy runs its share of them, if the engine and the limits allow that many at once', () => {
    expect(meetLoad(perfAt, 200, 2, target({ kind: 'users', users: 60 })).batch).toBe(30);
    expect(meetLoad(perfAt, 20, 2, target({ kind: 'users', users: 60 })).ok).toBe(false);
    expect(meetLoad(perfAt, 200, 1, target({ kind: 'users', users: 60, tpotSeconds: 0.05 })).message).toMatch(/60 users need 60 requests at once per instance; 40 run within TPOT ≤ 50 ms/);
  });
});
