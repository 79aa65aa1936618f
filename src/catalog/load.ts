import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseUntrustedYaml } from '../formats/yaml-keys.js';
import { UserError } from '../util/errors.js';
import { MAX_BYTES, readUserText } from '../util/user-file.js';
import { architectureFromConfig } from './architecture.js';
import { reposOf } from './lookup.js';
import { GpuFileSchema, ModelFileSchema, QuantizationFileSchema } from './schema.js';

import type { Catalog, CatalogModel } from './catalog.js';
import { parseWith } from './validate.js';

export function readYamlFile(path: string, displayName = path): unknown {
  const text = readUserText(path, 'catalog file', MAX_BYTES.catalog, displayName);
  return parseUntrustedYaml(text, displayName);
}

function checkUnique(kind: string, items: { id: string; aliases: string[] }[]): void {
  const seen = new Map<string, string>();
  for (const item of items) {
    for (const name of [item.id, ...item.aliases]) {
      const key = name.toLowerCase();
      const owner = seen.get(key);
      if (owner !== undefined && owner !== item.id) {
        throw new UserError(`${kind} catalog: name "${name}" is used by both "${owner}" and "${item.id}"`);
      }
      seen.set(key, item.id);
    }
  }
}

/** A hub repo names one model, so an `hf:` id the catalog knows resolves to one entry (lookup.ts `catalogModelOfRepo`). */
function checkReposUnique(models: CatalogModel[]): void {
  const owners = new Map<string, string>();
  for (const model of models) {
    for (const repo of reposOf(model)) {
      const owner = owners.get(repo.toLowerCase());
      if (owner !== undefined && owner !== model.id) throw new UserError(`${model.file}: entry "${model.id}": hub repo "${repo}" is also named by "${owner}"`);
      owners.set(repo.toLowerCase(), model.id);
    }
  }
}

/** Reads and validates a catalog directory (gpus.yaml, quantizations.yaml, models/*.yaml). */
export function loadCatalogFromYaml(dir: string): Catalog {
  const display = (file: string) => {
    const rel = relative(process.cwd(), file);
    return rel === '' || rel.startsWith('..') ? file : rel;
  };
  const gpuFile = join(dir, 'gpus.yaml');
  const quantFile = join(dir, 'quantizations.yaml');
  const gpus = parseWith(GpuFileSchema, readYamlFile(gpuFile, display(gpuFile)), display(gpuFile));
  const quantizations = parseWith(QuantizationFileSchema, readYamlFile(quantFile, display(quantFile)), display(quantFile));
  const quantIds = new Set(quantizations.map((q) => q.id));

  const modelDir = join(dir, 'models');
  const models: CatalogModel[] = [];
  let modelFiles: string[];
  try {
    modelFiles = readdirSync(modelDir)
      .filter((f) => f.endsWith('.yaml'))
      .sort();
  } catch (error) {
    throw new UserError(`${display(modelDir)}: cannot read the models directory (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  for (const name of modelFiles) {
    const file = display(join(modelDir, name));
    const parsed = parseWith(ModelFileSchema, readYamlFile(join(modelDir, name), file), file);
    for (const entry of parsed.models) {
      for (const artifact of entry.artifacts) {
        if (!quantIds.has(artifact.quantization)) {
          throw new UserError(`${file}: entry "${entry.id}", field artifacts.quantization: unknown quantization "${artifact.quantization}"`);
        }
      }
      models.push({ ...entry, architecture: architectureFromConfig(entry.config, `${file}: entry "${entry.id}"`), file });
    }
  }
  const ids = new Set(models.map((m) => m.id));
  for (const m of models) {
    const missing = m.distills.find((d) => !ids.has(d));
    if (missing) throw new UserError(`${m.file}: entry "${m.id}", field distills: unknown model "${missing}"`);
  }
  checkUnique('GPU', gpus);
  checkUnique('quantization', quantizations);
  checkUnique('model', models);
  checkReposUnique(models);
  return { gpus, quantizations, models };
}
