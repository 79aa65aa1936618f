import type { EngineId } from '../catalog/schema.js';
import { llamacpp } from './llamacpp.js';
import { ollama } from './ollama.js';
import { sglang } from './sglang.js';
import type { Engine } from './types.js';
import { vllm } from './vllm.js';

/** Every engine gpuplan plans for, in the order it prefers them on a tie. */
export const ENGINES: readonly Engine[] = [vllm, sglang, llamacpp, ollama];

export function engineById(id: EngineId): Engine {
  const engine = ENGINES.find((e) => e.id === id);
  if (!engine) throw new Error(`engine ${id} is not registered`);
  return engine;
}
