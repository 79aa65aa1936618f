import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { UserError } from '../util/errors.js';
import { architectureFromConfig, type Architecture } from './architecture.js';
import {
  GpuFileSchema,
  ModelFileSchema,
  QuantizationFileSchema,
  type Gpu,
  type ModelEntry,
  type Quantization,
} from './schema.js';

/** The catalogs shipped with the package (`<package>/catalogs`). */
export const BUNDLED_CATALOG_DIR = fileURLToPath(new URL('../../catalogs/', import.meta.url));

export interface CatalogModel extends ModelEntry {
  architecture: Architecture;
  /** The file the entry came from, for messages. */
  file: string;
}

export interface Catalog {
  gpus: Gpu[];
  quantizations: Quantization[];
  models: CatalogModel[];
}

/**
 * Describes a zod issue path against the parsed data: list items that carry an
 * `id` are named by it (`entry "a100-80g"`), the rest is the field path
 * (`field aliases[0]`).
 */
function describePath(data: unknown, path: readonly PropertyKey[]): string {
  const entries: string[] = [];
  const fields: string[] = [];
  let node: unknown = data;
  for (const key of path) {
    const child = node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
    const id = (child as { id?: unknown } | undefined)?.id;
    if (typeof key === 'number' && typeof id === 'string' && fields.every((f) => f === 'models')) {
      entries.push(`entry "${id}"`);
      fields.length = 0;
    } else if (typeof key === 'number') {
      fields.push(fields.length > 0 ? `${fields.pop()}[${key}]` : `entry #${key + 1}`);
    } else {
      fields.push(String(key));
    }
    node = child;
  }
  return [...entries, fields.length > 0 ? `field ${fields.join('.')}` : ''].filter(Boolean).join(', ');
}

/** Validates data against a schema; a failure names the file, the entry and the field. */
export function parseWith<T extends z.ZodType>(schema: T, data: unknown, file: string): z.infer<T> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new UserError(`${file}: invalid`);
  const where = describePath(data, issue.path);
  throw new UserError(`${file}: ${where ? `${where}: ` : ''}${issue.message}`);
}

export function readYamlFile(path: string, displayName = path): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UserError(`${displayName}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return parseYaml(text, { maxAliasCount: 100 });
  } catch (error) {
    throw new UserError(`${displayName}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
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

export function loadCatalog(dir: string = BUNDLED_CATALOG_DIR): Catalog {
  const display = (file: string) => relative(process.cwd(), file) || file;
  const gpuFile = join(dir, 'gpus.yaml');
  const quantFile = join(dir, 'quantizations.yaml');
  const gpus = parseWith(GpuFileSchema, readYamlFile(gpuFile, display(gpuFile)), display(gpuFile));
  const quantizations = parseWith(QuantizationFileSchema, readYamlFile(quantFile, display(quantFile)), display(quantFile));
  const quantIds = new Set(quantizations.map((q) => q.id));

  const modelDir = join(dir, 'models');
  const models: CatalogModel[] = [];
  for (const name of readdirSync(modelDir).filter((f) => f.endsWith('.yaml')).sort()) {
    const file = display(join(modelDir, name));
    const parsed = parseWith(ModelFileSchema, readYamlFile(join(modelDir, name), file), file);
    for (const entry of parsed.models) {
      for (const artifact of entry.artifacts) {
        if (!quantIds.has(artifact.quantization)) {
          throw new UserError(
            `${file}: entry "${entry.id}", field artifacts.quantization: unknown quantization "${artifact.quantization}"`,
          );
        }
      }
      models.push({ ...entry, architecture: architectureFromConfig(entry.config, `${file}: entry "${entry.id}"`), file });
    }
  }
  checkUnique('GPU', gpus);
  checkUnique('quantization', quantizations);
  checkUnique('model', models);
  return { gpus, quantizations, models };
}
