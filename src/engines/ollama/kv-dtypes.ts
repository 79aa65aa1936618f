/** OLLAMA_KV_CACHE_TYPE values (envconfig; a test checks them against the recorded spec), and `auto` for the default (f16). */
export const OLLAMA_KV_DTYPES = ['auto', 'f16', 'q8_0', 'q4_0'] as const;
