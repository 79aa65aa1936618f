/** Building an EngineDescriptor's release lookup from its list of releases (newest first). */
import type { EngineRelease } from './release.js';
import type { Engine, EngineDescriptor } from './types.js';

/** The release part of a descriptor: versions newest first, the newest as default, each bound once. */
export function releaseLookup<R extends EngineRelease>(releases: readonly R[], bind: (release: R) => Engine): Pick<EngineDescriptor, 'versions' | 'defaultVersion' | 'at'> {
  const first = releases[0];
  if (!first) throw new Error('an engine needs at least one release');
  const bound = new Map<string, Engine>();
  return {
    versions: releases.map((r) => r.version),
    defaultVersion: first.version,
    at(version) {
      let engine = bound.get(version);
      if (!engine) {
        const release = releases.find((r) => r.version === version);
        if (!release) throw new Error(`no release ${version} (known: ${releases.map((r) => r.version).join(', ')})`);
        engine = bind(release);
        bound.set(version, engine);
      }
      return engine;
    },
  };
}

/** The image name without registry-relative tag or digest, lower-cased, and its tag (null for none). */
export function splitImage(reference: string): { name: string; tag: string | null } {
  const [withTag] = reference.split('@');
  const lastSlash = (withTag ?? '').lastIndexOf('/');
  const colon = (withTag ?? '').indexOf(':', lastSlash + 1);
  const name = (colon < 0 ? withTag : withTag?.slice(0, colon)) ?? '';
  return { name: name.toLowerCase(), tag: colon < 0 ? null : (withTag?.slice(colon + 1) ?? null) };
}
