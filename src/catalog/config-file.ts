import { parsePythonJson } from '../util/python-json.js';
import { dirname, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { UserError } from '../util/errors.js';
import { MAX_BYTES, readUserText } from '../util/user-file.js';
import { architectureFromConfig } from './architecture.js';
import type { Catalog } from './catalog.js';
import { hubRepoOf, hubSource } from '../util/hub-names.js';
import { catalogModelOfRepo } from './lookup.js';
import { nativeQuantizationOf, type ModelSpec } from './model.js';
import { HfConfigSchema, liftTextConfig, type Artifact, type HfConfig } from './schema.js';
import { parseWith } from './validate.js';

export interface ConfigOrigin {
  /** For messages: the file path or `hf:org/name`. */
  where: string;
  hfRepo: string | null;
  /** A checkpoint directory on this machine. */
  localDir: string | null;
  /** The repo's checkpoint size (index total_size), when known. */
  checkpointBytes: number | null;
  checkpointSizeSource: string | null;
  /** A pinned revision of `hfRepo` (null or absent: its default branch), kept in the artifact's source so the deploy files pull it. */
  revision?: string | null;
  /**
   * The weights are this repo's and nothing else (`--hf-repo`): the catalog twin's other
   * artifacts (its quantized repos, Ollama tags) are other weights, so they are not offered.
   */
  ownWeightsOnly?: boolean;
}

/**
 * A ModelSpec from a config.json. A config whose architecture matches exactly one
 * catalog model (or whose repo the catalog names) gets that entry's published
 * artifacts; shared architectures (DeepSeek-V3 and R1, Llama-3.1-70B and its R1
 * distill) are only named, since their artifacts differ.
 */
export function modelFromConfig(catalog: Catalog, config: HfConfig, origin: ConfigOrigin): ModelSpec {
  const architecture = architectureFromConfig(config, origin.where);
  const known = origin.hfRepo ? catalogModelOfRepo(catalog, origin.hfRepo) : undefined;
  const byRepo = known?.model;
  // Hub names are case-insensitive: a repo the catalog knows is written as the catalog spells it.
  const hfRepo = known?.repo ?? origin.hfRepo;
  const twins = byRepo && isDeepStrictEqual(byRepo.architecture, architecture) ? [byRepo] : catalog.models.filter((m) => isDeepStrictEqual(m.architecture, architecture));
  const twin = twins.length === 1 ? twins[0] : undefined;
  const nativeQuantization = nativeQuantizationOf(config);
  const name = typeof config._name_or_path === 'string' ? config._name_or_path : (hfRepo ?? origin.where);
  const repoKey = hfRepo?.toLowerCase();
  // The twin's checkpoint in the same repo and format: its size is verified, for when the hub gave none (or was not asked).
  const catalogued = twin?.artifacts.find((a) => a.format === 'safetensors' && a.quantization === nativeQuantization && hubRepoOf(a.source)?.toLowerCase() === repoKey && a.bytes !== null);
  const bytes = origin.checkpointBytes ?? catalogued?.bytes ?? null;
  const sizeSource = origin.checkpointBytes !== null ? origin.checkpointSizeSource : catalogued ? `catalog entry ${twin?.id}${catalogued.sizeSource ? `: ${catalogued.sizeSource}` : ''}` : null;
  // The repo's own checkpoint, with the size the hub reports, ahead of the catalog's.
  const own: Artifact | null = hfRepo
    ? {
        quantization: nativeQuantization,
        format: 'safetensors',
        source: hubSource(hfRepo, origin.revision ?? null),
        bytes,
        includesMtp: (config.num_nextn_predict_layers ?? 0) > 0,
        ...(sizeSource ? { sizeSource } : {}),
      }
    : null;
  // The twin's copy of the same checkpoint (same repo, any revision) is replaced by the repo's own.
  const sameCheckpoint = (a: Artifact) => own !== null && a.source.toLowerCase().split('@')[0] === `hf:${repoKey}`;
  const inherited = origin.ownWeightsOnly ? [] : (twin?.artifacts ?? []).filter((a) => !sameCheckpoint(a));
  return {
    id: twin?.id ?? hfRepo ?? origin.where,
    name: twin?.name ?? name,
    hfRepo: hfRepo ?? twin?.hfRepo ?? null,
    // A config that is no catalog model is served from the directory it sits in.
    localDir: twin ? null : origin.localDir,
    exactLayout: null,
    architecture,
    declaredParams: null,
    artifacts: own ? [own, ...inherited] : inherited,
    distills: twin?.distills ?? [],
    publishedParams: twin?.publishedParams ?? null,
    publishedActiveParams: twin?.publishedActiveParams ?? null,
    nativeQuantization,
    origin: twins.length > 0 ? `${origin.where} (same architecture as ${twins.map((m) => m.id).join(', ')})` : origin.where,
    // Said with every plan: what a generic reading of an unknown model_type assumed.
    ...(architecture.assumptions.length > 0 ? { note: architecture.assumptions.join(' ') } : {}),
  };
}

/**
 * A ModelSpec from a Hugging Face config.json on disk. Its weights: the hub repo given with
 * `--hf-repo` (that repo only, at its revision), else the directory the config sits in.
 */
export function modelFromConfigFile(catalog: Catalog, path: string, weights: { repo: string; revision: string | null } | null = null): ModelSpec {
  const text = readUserText(path, 'model config', MAX_BYTES.json);
  let raw: unknown;
  try {
    raw = parsePythonJson(text);
  } catch (error) {
    throw new UserError(`model config "${path}": not JSON (${(error as Error).message.split('\n')[0]})`);
  }
  const config = parseWith(HfConfigSchema, liftTextConfig(raw), path);
  if (weights) {
    return modelFromConfig(catalog, config, { where: path, hfRepo: weights.repo, revision: weights.revision, ownWeightsOnly: true, localDir: null, checkpointBytes: null, checkpointSizeSource: null });
  }
  return modelFromConfig(catalog, config, { where: path, hfRepo: null, localDir: resolve(dirname(path)), checkpointBytes: null, checkpointSizeSource: null });
}
