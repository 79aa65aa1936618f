/** `--kv-cache-dtype` choices of every vLLM release gpuplan knows (the union of their flag sets; a test checks it). */
export const VLLM_KV_DTYPES = ['auto', 'bfloat16', 'fp8', 'fp8_ds_mla', 'fp8_e4m3', 'fp8_e5m2', 'fp8_inc'] as const;
