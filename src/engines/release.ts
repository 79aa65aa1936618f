/**
 * The facts common to every engine release, and where they come from. Each engine's
 * folder lists its releases (`releases.ts`) with these fields plus its own defaults;
 * `npm run refresh-engine` (scripts/engine-facts/) regenerates the flag sets.
 */
import { z } from 'zod';

export const ReleaseSourceSchema = z.strictObject({
  /** The git tag of the release. */
  tag: z.string(),
  /** The commit the tag points at: every fact of the release is read at this commit. */
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  /** How the commit was tied to the tag, when it is not the tag itself. */
  how: z.string().optional(),
  /** The engine's source files the facts below come from. */
  files: z.array(z.string()).min(1),
});

export const EngineReleaseSchema = z.strictObject({
  version: z.string(),
  /** Publication date, YYYY-MM-DD. */
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  source: ReleaseSourceSchema,
  /** The recorded argument set: catalogs/engine-flags/<flagSet>.json. */
  flagSet: z.string(),
  /**
   * False when that set is not this release's complete argument set (read at another
   * tag, or only in part): validate then reports a flag it lacks as a warning, not an error.
   */
  flagSetExact: z.boolean(),
  /** The release's images; null for a vendor the release publishes no image for that gpuplan could establish. */
  images: z.strictObject({ nvidia: z.string(), amd: z.string().nullable() }),
  /** What this release changed that gpuplan models, in a sentence each. */
  changes: z.array(z.string()),
  /**
   * The oldest version whose memory behaviour these facts describe (the release that
   * introduced it): a log or an image tag of a version between this and the next recorded
   * release is read with this release. Absent: the release's own version.
   */
  behavesSince: z.string().optional(),
});
export type EngineRelease = z.infer<typeof EngineReleaseSchema>;
