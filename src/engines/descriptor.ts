/** Building an EngineDescriptor's release lookup from its list of releases (newest first). */
import type { EngineRelease } from './release.js';
import type { Engine, EngineDescriptor } from './types.js';

/** The release part of a descriptor: versions newest first, the newest as default, each bound once. */
/** "0.10.1.1", "b6550", "v0.5.4", "0.1.dev7548+g…" → comparable numbers. */
function versionParts(version: string): number[] {
  return version
    .replace(/^[vb]/, '')
    .split(/[.+-]/)
    .map((p) => Number.parseInt(p, 10))
    .filter((n) => !Number.isNaN(n));
}

/** Orders engine versions: negative when `a` is older than `b`. */
export function compareVersions(a: string, b: string): number {
  const x = versionParts(a);
  const y = versionParts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function releaseLookup<R extends EngineRelease>(releases: readonly R[], bind: (release: R) => Engine): Pick<EngineDescriptor, 'versions' | 'defaultVersion' | 'at' | 'releaseFor'> {
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
    releaseFor(version) {
      // The newest release whose behaviour starts at or before the version; else the oldest.
      const covering = releases.find((r) => compareVersions(r.behavesSince ?? r.version, version) <= 0);
      return (covering ?? (releases[releases.length - 1] as R)).version;
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
