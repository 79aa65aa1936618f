/**
 * `--cache-type-k/-v` choices of every llama.cpp build gpuplan knows (the union of their
 * flag sets; a test checks it), and `auto` for the default (f16).
 */
export const LLAMACPP_KV_DTYPES = ['auto', 'f32', 'f16', 'bf16', 'q8_0', 'q4_0', 'q4_1', 'iq4_nl', 'q5_0', 'q5_1'] as const;
