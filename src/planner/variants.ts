/**
 * The ways a model's weights can be had: every published artifact, plus the
 * quantizations an engine produces at load time from the 16-bit checkpoint
 * (vLLM/SGLang `--quantization fp8`, bitsandbytes, or `--dtype half` on GPUs
 * without bf16).
 */
import type { Catalog } from '../catalog/catalog.js';
import type { ModelSpec } from '../catalog/model.js';
import type { Architecture } from '../catalog/architecture.js';
import type { Artifact, Quantization } from '../catalog/schema.js';
import { countParams } from '../memory/params.js';
import { weightLayout } from '../memory/weights.js';
import type { ModelVariant } from '../engines/types.js';
import { ENGINES } from '../engines/registry.js';

const SIXTEEN_BIT = new Set(['bf16', 'fp16']);

export interface VariantFilter {
  /** Only these quantization ids (null: any). */
  quantizations: readonly string[] | null;
  /** Quality floor in the quantization's nominal bits. */
  minBits: number;
}

function variant(model: ModelSpec, arch: Architecture, quant: Quantization, artifact: Artifact | null, origin: ModelVariant['origin']): ModelVariant {
  const params = countParams(arch);
  // An online quantization loads the 16-bit checkpoint: its size is not the served size.
  const layout = weightLayout(arch, params, quant, origin === 'artifact' ? artifact : null);
  return { model, arch, params, quant, artifact, layout, origin };
}

/** The repo's own checkpoint when the catalog lists no artifact for it (a model given by config.json). */
function nativeCheckpoint(model: ModelSpec): Artifact | null {
  if (!model.hfRepo || model.artifacts.some((a) => a.quantization === model.nativeQuantization)) return null;
  return { quantization: model.nativeQuantization, format: 'safetensors', source: `hf:${model.hfRepo}`, bytes: null, includesMtp: false };
}

/** All variants of a model, before any filter. */
export function allVariants(model: ModelSpec, arch: Architecture, catalog: Catalog): ModelVariant[] {
  const quantById = new Map(catalog.quantizations.map((q) => [q.id, q]));
  const variants: ModelVariant[] = [];
  const seen = new Set<string>();
  for (const artifact of model.artifacts) {
    const quant = quantById.get(artifact.quantization);
    const key = `${artifact.quantization} ${artifact.source}`;
    if (!quant || seen.has(key)) continue;
    seen.add(key);
    variants.push(variant(model, arch, quant, artifact, 'artifact'));
  }
  const base = model.artifacts.find((a) => SIXTEEN_BIT.has(a.quantization) && a.format === 'safetensors') ?? nativeCheckpoint(model);
  if (base && !model.artifacts.includes(base) && quantById.has(base.quantization)) {
    variants.push(variant(model, arch, quantById.get(base.quantization) as Quantization, base, 'artifact'));
  }
  if (base) {
    const online = new Set(ENGINES.flatMap((e) => e.onlineQuantizations));
    for (const id of online) {
      const quant = quantById.get(id);
      if (!quant || id === base.quantization) continue;
      variants.push(variant(model, arch, quant, base, 'online'));
    }
  }
  return variants;
}

export function passesFilter(v: ModelVariant, filter: VariantFilter): boolean {
  if (filter.quantizations && !filter.quantizations.includes(v.quant.id)) return false;
  return v.quant.nominalBits >= filter.minBits;
}
