/** `--kv-cache-dtype` choices of every SGLang release gpuplan knows (the union of their flag sets; a test checks it). */
export const SGLANG_KV_DTYPES = ['auto', 'fp8_e5m2', 'fp8_e4m3', 'mxfp8', 'bf16', 'bfloat16', 'nvfp4', 'fp4_mx_block16', 'fp4_e2m1'] as const;
