/** The engines gpuplan plans for. Kept free of zod so the CLI can name them without loading it. */
export const ENGINE_IDS = ['vllm', 'sglang', 'ollama', 'llamacpp'] as const;
export type EngineId = (typeof ENGINE_IDS)[number];
