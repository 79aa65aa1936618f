import { parseUntrustedYaml } from '../formats/yaml-keys.js';
import type { Catalog } from '../catalog/catalog.js';
import { LIMITS } from '../catalog/limits.js';
import { gpusNamed } from '../catalog/lookup.js';
import type { Gpu } from '../catalog/schema.js';
import { budgetGpuNames } from '../planner/budget.js';
import { closest } from '../util/closest.js';
import { UserError } from '../util/errors.js';
import { MAX_BYTES, readUserText } from '../util/user-file.js';

/**
 * `--prices FILE`: the user's own $/hour per GPU, as YAML or JSON
 * (`a100-80g: 1.10`, or a family name such as `h100: 2.00` for every variant).
 * GPUs it does not name keep the catalog's list price.
 */
export async function loadPrices(path: string, catalog: Catalog): Promise<(gpu: Gpu) => number> {
  const text = readUserText(path, 'prices file', MAX_BYTES.json);
  const data = parseUntrustedYaml(text, `prices file "${path}"`);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new UserError(`prices file "${path}": expected a mapping of GPU name to dollars per hour, e.g. "a100-80g: 1.10"`);
  }
  const prices = new Map<string, number>();
  for (const [name, value] of Object.entries(data)) {
    const gpus = gpusNamed(catalog, name);
    if (gpus.length === 0) {
      throw new UserError(`prices file "${path}": unknown GPU "${name}"; nearest GPU names: ${closest(name, budgetGpuNames(catalog), 4).join(', ')}`);
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > LIMITS.pricePerHour) {
      throw new UserError(`prices file "${path}": price of "${name}" must be a number of dollars per hour above 0 and at most ${LIMITS.pricePerHour}, got ${JSON.stringify(value)}`);
    }
    for (const gpu of gpus) {
      // An exact id beats a family name, whatever the order in the file.
      if (!prices.has(gpu.id) || name.toLowerCase() === gpu.id) prices.set(gpu.id, value);
    }
  }
  return (gpu) => prices.get(gpu.id) ?? gpu.pricePerHour;
}
