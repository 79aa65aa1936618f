/**
 * The CLI tests run the built bundle (dist/), so it must match the sources. `npm ci`
 * builds once (the `prepare` script); this rebuilds only when a source is newer than
 * that build, so CI builds once and a developer never tests a stale bundle.
 */
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SOURCES = ['src', 'templates', 'catalogs', 'schemas', 'scripts', 'package.json', 'tsconfig.json'];
const STAMP = 'dist/.build-stamp';

function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = 0;
  for (const entry of readdirSync(path)) {
    // Generated sources are written by the build itself.
    if (path === 'src' && entry === 'generated') continue;
    latest = Math.max(latest, newest(join(path, entry)));
  }
  return latest;
}

export default function setup(): void {
  const built = existsSync(STAMP) ? statSync(STAMP).mtimeMs : 0;
  const changed = Math.max(...SOURCES.filter((p) => existsSync(p)).map(newest));
  if (changed > built || !existsSync('dist/bundle/cli.cjs')) execSync('npm run build', { stdio: 'inherit' });
  // The CLI's code cache is per V8 version: after switching Node (nvm) the build is current but has no cache for it.
  else if (!existsSync(`dist/bundle/cli.${process.versions.v8}.cache`)) execSync(`"${process.execPath}" scripts/code-cache.mjs`, { stdio: 'inherit' });
}
