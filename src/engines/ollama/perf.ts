/**
 * Ollama's speed constants: llama.cpp's (perf/model.ts PerfConstants). Ollama runs llama.cpp's
 * GGML kernels (its runner links ggml / llama.cpp), and the benchmark corpus has no Ollama
 * measurement to fit its own: it shares llama.cpp's fit, refitted with it by scripts/fit-perf.mjs.
 */
import type { PerfConstants } from '../../perf/model.js';
import { LLAMACPP_PERF } from '../llamacpp/perf.js';

export const OLLAMA_PERF: PerfConstants = {
  ...LLAMACPP_PERF,
  fittedTo: [],
  source: "llama.cpp's constants (src/engines/llamacpp/perf.ts): Ollama runs llama.cpp's kernels and the corpus has no Ollama measurement",
};
