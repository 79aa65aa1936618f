/** The CLI's checks of --engine, --engine-version and --kv-dtype together: one line naming the valid choices, exit 2. */
import type { EngineId, KvDtype } from '../engines/ids.js';
import type { Engine } from '../engines/types.js';
import { UserError } from '../util/errors.js';
import { ENGINE_IDS } from '../engines/ids.js';
import { engineRelease } from '../engines/registry.js';

/** The release asked for; throws UserError when the release is unknown or does not take the KV dtype. */
export async function checkEngineChoice(id: EngineId, version: string | undefined, kvDtype: KvDtype): Promise<Engine>;
export async function checkEngineChoice(id: EngineId | undefined, version: string | undefined, kvDtype: KvDtype): Promise<Engine | null>;
export async function checkEngineChoice(id: EngineId | undefined, version: string | undefined, kvDtype: KvDtype): Promise<Engine | null> {
  if (!id) return null;
  let engine: Engine;
  try {
    engine = engineRelease(id, version ?? null);
  } catch (error) {
    if (error instanceof UserError) throw new UserError(`option --engine-version "${version}": ${error.message}`);
    throw error;
  }
  if (!engine.kvDtypes.includes(kvDtype)) {
    throw new UserError(`option --kv-dtype "${kvDtype}": ${engine.name} ${engine.version} takes ${engine.kvDtypes.join(', ')}`);
  }
  return engine;
}

/** `vllm=0.11.0` (validate's --engine-version, repeatable) → {vllm: '0.11.0'}. */
export async function parseEngineVersions(specs: readonly string[]): Promise<Partial<Record<EngineId, string>>> {
  const versions: Partial<Record<EngineId, string>> = {};
  for (const spec of specs) {
    const [id, version] = spec.split('=');
    const engine = ENGINE_IDS.find((e) => e === id?.trim().toLowerCase());
    if (!engine || !version) throw new UserError(`option --engine-version "${spec}": expected ENGINE=VERSION with ENGINE one of ${ENGINE_IDS.join(', ')}`);
    versions[engine] = version.trim();
  }
  return versions;
}
