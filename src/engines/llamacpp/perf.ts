/**
 * llama.cpp's speed constants (perf/model.ts PerfConstants), fitted by `node scripts/fit-perf.mjs --write`
 * to the published measurements of test/fixtures/benchmarks/ named in `fittedTo` (14 measurements). The
 * corpus test (test/perf/benchmarks.test.ts) reports these and the held-out measurements.
 */
import type { PerfConstants } from '../../perf/model.js';

export const LLAMACPP_PERF: PerfConstants = {
  bandwidthEfficiency: 0.755,
  computeEfficiency: 0.4, // set, not fitted (scripts/fit-perf.mjs ENGINE_PARAMETERS)
  hopperComputeScale: 0.7, // set, not fitted (scripts/fit-perf.mjs ENGINE_PARAMETERS)
  moeComputeEfficiency: 0.2, // set, not fitted (scripts/fit-perf.mjs ENGINE_PARAMETERS)
  expertTokensAtHalfEfficiency: 8, // set, not fitted (scripts/fit-perf.mjs ENGINE_PARAMETERS)
  mxfp4ExpertScale: 1, // set, not fitted (scripts/fit-perf.mjs ENGINE_PARAMETERS)
  fp8ExpertScale: 1, // set, not fitted (scripts/fit-perf.mjs ENGINE_PARAMETERS)
  layerSeconds: 104e-6,
  moeLayerSeconds: 100e-6, // set, not fitted (scripts/fit-perf.mjs ENGINE_PARAMETERS)
  eagerLayerSeconds: 20e-6, // set, not fitted (scripts/fit-perf.mjs ENGINE_PARAMETERS)
  stepSeconds: 10e-6,
  sequenceSeconds: 20e-6, // set, not fitted (scripts/fit-perf.mjs ENGINE_PARAMETERS)
  burstEfficiency: 0.5, // set, not fitted (scripts/fit-perf.mjs ENGINE_PARAMETERS)
  fittedTo: [
    'unsloth-r1-iq1s-2xh100-llamacpp',
    'xd-llama3-70b-f16-4xa100sxm',
    'xd-llama3-70b-f16-4xh100pcie',
    'xd-llama3-70b-q4km-2x3090',
    'xd-llama3-70b-q4km-2x4090',
    'xd-llama3-70b-q4km-a100sxm',
    'xd-llama3-70b-q4km-h100pcie',
    'xd-llama3-70b-q4km-l40s',
    'xd-llama3-8b-f16-h100pcie',
    'xd-llama3-8b-q4km-a100sxm',
    'xd-llama3-8b-q4km-h100pcie',
    'xd-llama3-8b-q4km-l40s',
    'xd-llama3-8b-q4km-rtx3090',
    'xd-llama3-8b-q4km-rtx4090',
  ],
  source:
    'scripts/fit-perf.mjs: Huber loss (δ 0.3) on log(predicted / measured) over the ids in fittedTo, Nelder–Mead on the logarithms of the constants; cross-validated first on a third of the series held out (test/fixtures/benchmarks/CROSS-VALIDATION.md); computeEfficiency, hopperComputeScale, moeComputeEfficiency, expertTokensAtHalfEfficiency, moeLayerSeconds, sequenceSeconds, burstEfficiency, eagerLayerSeconds, mxfp4ExpertScale, fp8ExpertScale set, not fitted: the corpus has no measurement of them for this engine (ENGINE_PARAMETERS)',
};
