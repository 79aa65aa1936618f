/**
 * llama.cpp's speed constants (perf/model.ts PerfConstants), fitted by `node scripts/fit-perf.mjs --write`
 * to the published measurements of test/fixtures/benchmarks/ named in `fittedTo` (10 measurements). The
 * corpus test (test/perf/benchmarks.test.ts) reports these and the held-out measurements.
 */
import type { PerfConstants } from '../../perf/model.js';

export const LLAMACPP_PERF: PerfConstants = {
  bandwidthEfficiency: 0.775,
  computeEfficiency: 0.8,
  hopperComputeScale: 1,
  moeComputeEfficiency: 0.8,
  expertTokensAtHalfEfficiency: 7.15,
  layerSeconds: 103e-6,
  moeLayerSeconds: 917e-6,
  stepSeconds: 10e-6,
  burstEfficiency: 1,
  fittedTo: [
    'unsloth-r1-iq1s-2xh100-llamacpp',
    'xd-llama3-70b-f16-4xa100sxm',
    'xd-llama3-70b-f16-4xh100pcie',
    'xd-llama3-70b-q4km-2x3090',
    'xd-llama3-70b-q4km-2x4090',
    'xd-llama3-70b-q4km-h100pcie',
    'xd-llama3-70b-q4km-l40s',
    'xd-llama3-8b-q4km-a100sxm',
    'xd-llama3-8b-q4km-l40s',
    'xd-llama3-8b-q4km-rtx4090',
  ],
  source: 'scripts/fit-perf.mjs: Huber loss (δ 0.3) on log(predicted / measured) over the ids in fittedTo, Nelder–Mead on the logarithms of the constants; a third of the corpus held out by id hash',
};
