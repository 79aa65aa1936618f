/**
 * The bundled catalog loaded once per fuzz file. From src/ (no compiled catalog.json next
 * to it) every `main` call would parse and zod-check the YAML again (~60 ms), which would
 * cap a fuzz file at a few hundred cases. Frozen, so a run that changed the shared catalog
 * would fail loudly instead of leaking into the next case. Used as
 * `vi.mock('../../src/catalog/catalog.js', () => import('./memo-catalog.js').then((m) => m.memoizedCatalog()))`.
 */
import { vi } from 'vitest';
import type * as CatalogModule from '../../src/catalog/catalog.js';

const MODULE = new URL('../../src/catalog/catalog.js', import.meta.url).href;

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

export async function memoizedCatalog(): Promise<typeof CatalogModule> {
  const actual = await vi.importActual<typeof CatalogModule>(MODULE);
  let bundled: Promise<CatalogModule.Catalog> | undefined;
  return { ...actual, loadCatalog: (dir?: string) => (dir === undefined ? (bundled ??= actual.loadCatalog().then(deepFreeze)) : actual.loadCatalog(dir)) };
}
