/**
 * Ollama's speed constants (perf/model.ts PerfConstants), fitted by `node scripts/fit-perf.mjs`
 * to the published measurements of test/fixtures/benchmarks/ named in `fittedTo`. The fit and
 * the error table are reviewed together (test/perf/benchmarks.test.ts).
 */
import type { PerfConstants } from '../../perf/model.js';

export const OLLAMA_PERF: PerfConstants = {
  bandwidthEfficiency: 0.7,
  computeEfficiency: 0.45,
  expertTokensAtHalfEfficiency: 16,
  hopperComputeScale: 1,
  moeComputeEfficiency: 0.25,
  layerSeconds: 30e-6,
  moeLayerSeconds: 100e-6,
  stepSeconds: 2e-3,
  burstEfficiency: 0.5,
  fittedTo: [],
  source: 'not yet fitted',
};
