import { dirname, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { UserError } from '../util/errors.js';
import { MAX_BYTES, readUserText } from '../util/user-file.js';
import { architectureFromConfig } from './architecture.js';
import type { Catalog } from './catalog.js';
import { hubSource } from '../util/hub-names.js';
import { findByName } from './lookup.js';
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
}

/**
 * A ModelSpec from a config.json. A config whose architecture matches exactly one
 * catalog model (or whose repo the catalog names) gets that entry's published
 * artifacts; shared architectures (DeepSeek-V3 and R1, Llama-3.1-70B and its R1
 * distill) are only named, since their artifacts differ.
 */
export function modelFromConfig(catalog: Catalog, config: HfConfig, origin: ConfigOrigin): ModelSpec {
  const architecture = architectureFromConfig(config, origin.where);
  const byRepo = origin.hfRepo ? findByName(catalog.models, origin.hfRepo) : undefined;
  const twins = byRepo && isDeepStrictEqual(byRepo.architecture, architecture) ? [byRepo] : catalog.models.filter((m) => isDeepStrictEqual(m.architecture, architecture));
  const twin = twins.length === 1 ? twins[0] : undefined;
  const nativeQuantization = nativeQuantizationOf(config);
  const name = typeof config._name_or_path === 'string' ? config._name_or_path : (origin.hfRepo ?? origin.where);
  // The repo's own checkpoint, with the size the hub reports, ahead of the catalog's.
  const own: Artifact | null = origin.hfRepo
    ? {
        quantization: nativeQuantization,
        format: 'safetensors',
        source: hubSource(origin.hfRepo, origin.revision ?? null),
        bytes: origin.checkpointBytes,
        includesMtp: (config.num_nextn_predict_layers ?? 0) > 0,
        ...(origin.checkpointSizeSource ? { sizeSource: origin.checkpointSizeSource } : {}),
      }
    : null;
  // The twin's copy of the same checkpoint (same repo, any revision) is replaced by the repo's own.
  const sameCheckpoint = (a: Artifact) => own !== null && a.source.toLowerCase().split('@')[0] === `hf:${origin.hfRepo?.toLowerCase()}`;
  const inherited = (twin?.artifacts ?? []).filter((a) => !sameCheckpoint(a));
  return {
    id: twin?.id ?? origin.hfRepo ?? origin.where,
    name: twin?.name ?? name,
    hfRepo: origin.hfRepo ?? twin?.hfRepo ?? null,
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
  };
}

/** A ModelSpec from a Hugging Face config.json on disk. */
export function modelFromConfigFile(catalog: Catalog, path: string): ModelSpec {
  const text = readUserText(path, 'model config', MAX_BYTES.json);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new UserError(`model config "${path}": not JSON (${(error as Error).message.split('\n')[0]})`);
  }
  const config = parseWith(HfConfigSchema, liftTextConfig(raw), path);
  return modelFromConfig(catalog, config, { where: path, hfRepo: null, localDir: resolve(dirname(path)), checkpointBytes: null, checkpointSizeSource: null });
}
