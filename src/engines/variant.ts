/** Building a ModelVariant: shared by the planner's search and `estimate --engine`. */
import type { Architecture } from '../catalog/architecture.js';
import type { ModelSpec } from '../catalog/model.js';
import type { Artifact, Quantization } from '../catalog/schema.js';
import type { ParamCount } from '../memory/params.js';
import { weightLayout } from '../memory/weights.js';
import type { ModelVariant } from './types.js';

const SIXTEEN_BIT = new Set(['bf16', 'fp16']);
/** Online quantizations whose weights are first loaded whole in 16-bit. */
const LOADS_SIXTEEN_BIT = new Set(['fp8', 'int8']);

export function modelVariant(model: ModelSpec, arch: Architecture, params: ParamCount, quant: Quantization, artifact: Artifact | null, origin: ModelVariant['origin']): ModelVariant {
  // An online quantization loads the 16-bit checkpoint: its size is not the served size.
  const exact = origin === 'artifact' && artifact && model.exactLayout?.source === artifact.source ? model.exactLayout.layout : null;
  const layout = exact ?? weightLayout(arch, params, quant, origin === 'artifact' ? artifact : null);
  // Online FP8/INT8 create 16-bit parameters, load the checkpoint into them, then quantize
  // (vLLM Fp8LinearMethod.process_weights_after_loading): the load peak is the 16-bit size.
  // bitsandbytes quantizes tensor by tensor as it loads; --dtype half only casts.
  const loadLayout = origin === 'online' && LOADS_SIXTEEN_BIT.has(quant.id) ? weightLayout(arch, params, { ...quant, bitsPerWeight: arch.storedBits, keepsFullPrecision: [] }, artifact) : null;
  return { model, arch, params, quant, artifact, layout, loadLayout, origin };
}

/**
 * The model's own checkpoint when the catalog lists no artifact for it: its Hugging Face
 * repo, or the local directory of a config.json that matches no catalog model.
 */
function nativeCheckpoint(model: ModelSpec): Artifact | null {
  if (model.artifacts.some((a) => a.quantization === model.nativeQuantization)) return null;
  const source = model.hfRepo ? `hf:${model.hfRepo}` : model.localDir ? `file:${model.localDir}` : null;
  return source ? { quantization: model.nativeQuantization, format: 'safetensors', source, bytes: null, includesMtp: false } : null;
}

/** The 16-bit safetensors checkpoint engines quantize at load time, if the model has one. */
export function sixteenBitCheckpoint(model: ModelSpec): Artifact | null {
  return model.artifacts.find((a) => SIXTEEN_BIT.has(a.quantization) && a.format === 'safetensors') ?? nativeCheckpoint(model);
}
