/**
 * Every engine gpuplan plans for, and the one way to pick a release of one. The
 * planner, render, validate and the CLI ask these; nothing else names an engine.
 */
import { UserError } from '../util/errors.js';
import { compareVersions } from './descriptor.js';
import type { EngineId } from './ids.js';
import { llamacppDescriptor } from './llamacpp/index.js';
import { ollamaDescriptor } from './ollama/index.js';
import { sglangDescriptor } from './sglang/index.js';
import type { Engine, EngineDescriptor } from './types.js';
import { vllmDescriptor } from './vllm/index.js';

/** Every engine, in the order the planner prefers them on a tie. */
export const DESCRIPTORS: readonly EngineDescriptor[] = [vllmDescriptor, sglangDescriptor, llamacppDescriptor, ollamaDescriptor];

export function descriptorOf(id: EngineId): EngineDescriptor {
  const descriptor = DESCRIPTORS.find((d) => d.id === id);
  if (!descriptor) throw new Error(`engine ${id} is not registered`);
  return descriptor;
}

/** A release of an engine; `version` null is the default (newest stable). A version the engine does not have is bad input. */
export function engineRelease(id: EngineId, version: string | null = null): Engine {
  const descriptor = descriptorOf(id);
  const wanted = version ?? descriptor.defaultVersion;
  if (!descriptor.versions.includes(wanted)) {
    throw new UserError(`${descriptor.name} release "${wanted}" is not known; valid: ${descriptor.versions.join(', ')} (default ${descriptor.defaultVersion})`);
  }
  return descriptor.at(wanted);
}

/** A version as engines spell them: 0.19.0, v0.10.1.1, 0.5.3.post1, b6550. */
const VERSION = /^(v?\d+(\.\d+){1,3}([.+-][\w.+-]*)?|b\d+)$/;

/**
 * The recorded release whose memory facts describe `version` (EngineDescriptor.releaseFor),
 * for reading a version gpuplan has no release of: an older one reads with the release whose
 * behaviour it shares. A version newer than the newest recorded, or not a version, is bad input.
 */
export function releaseDescribing(id: EngineId, version: string): { release: string; exact: boolean } {
  const descriptor = descriptorOf(id);
  if (descriptor.versions.includes(version)) return { release: version, exact: true };
  const newest = descriptor.defaultVersion;
  if (!VERSION.test(version) || compareVersions(version, newest) > 0) {
    throw new UserError(
      `${descriptor.name} release "${version}" is not known; valid: ${descriptor.versions.join(', ')} (default ${newest}), or an older version, read with the release whose behaviour it shares`,
    );
  }
  return { release: descriptor.releaseFor(version), exact: false };
}

/** The default release of every engine, in preference order. */
export function defaultEngines(): Engine[] {
  return DESCRIPTORS.map((d) => d.at(d.defaultVersion));
}

/** `gpuplan catalog engines`: each engine, its releases newest first, and the default. */
export function engineCatalog(): { engine: EngineId; name: string; versions: string[]; default: string }[] {
  return DESCRIPTORS.map((d) => ({ engine: d.id, name: d.name, versions: [...d.versions], default: d.defaultVersion }));
}
