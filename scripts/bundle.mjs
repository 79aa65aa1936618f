#!/usr/bin/env node
// Bundles the CLI into dist/bundle/ so `gpuplan` starts with a few files instead of
// ~60 ES modules (module resolution dominated start-up: see `npm run bench`).
// Code splitting keeps the lazily imported parts (YAML catalog loading, prices,
// config files) in chunks that load only when used. The library (dist/index.js)
// stays as tsc emits it.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

// Chunk names are content hashes: clear out the previous build's.
rmSync('dist/bundle', { recursive: true, force: true });

/**
 * A build-time substitution of one module that a package (or, for `null`, gpuplan's own source) imports:
 * `from` (as the importer writes it) becomes `contents`. The build fails when it never applies, so a
 * package update that moves the import cannot silently undo the start-up it saves.
 */
function substitute(name, inPackage, from, contents, loader = 'js') {
  const inside = inPackage === null ? /[\\/]src[\\/]/ : new RegExp(`[\\/]node_modules[\\/]${inPackage}[\\/]`);
  return {
    name,
    setup(b) {
      b.onResolve({ filter: from }, (args) => {
        if (!inside.test(args.importer)) return undefined;
        applied.add(name);
        return { path: name, namespace: name };
      });
      b.onLoad({ filter: /.*/, namespace: name }, () => ({ contents, loader, resolveDir: process.cwd() }));
    },
  };
}
const applied = new Set();

const substitutions = [
  // zod's classic API re-exports every locale's error messages (`z.locales`, about half of zod's source)
  // although only English is configured by default and gpuplan uses no other: the CLI would parse ~370 KB
  // it never runs on every start. Its locale index becomes English alone.
  substitute('english-zod-locales-only', 'zod', /^\.\.\/locales\/index\.js$/, "export { default as en } from 'zod/v4/locales/en.js';"),
  // commander requires node:child_process at load for executable subcommands, which gpuplan has none of;
  // loading that builtin costs ~4 ms of every start. commander gets a stand-in that loads it on use.
  substitute('lazy-child-process-for-commander', 'commander', /^node:child_process$/, "module.exports = new Proxy({}, { get: (_, name) => require('node:child_process')[name] });"),
  // An ES import of node:fs makes Node build the builtin's ES facade, which reads every export, and reading
  // fs.ReadStream loads Node's stream modules: ~2 ms of every start, for streams gpuplan never opens. Through
  // require() the bundle reads only the functions it calls, when it calls them.
  substitute('fs-through-require', null, /^node:fs$/, "module.exports = require('node:fs');"),
];

await build({
  entryPoints: { cli: 'src/cli/main.ts' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'bundle',
  chunkNames: 'chunk-[hash]',
  legalComments: 'none',
  minify: true,
  logLevel: 'warning',
  plugins: substitutions,
  // CommonJS dependencies bundled into ESM need a require().
  banner: { js: "import { createRequire as __gpuplanRequire } from 'node:module'; const require = __gpuplanRequire(import.meta.url);" },
});

const unapplied = substitutions.filter((p) => !applied.has(p.name)).map((p) => p.name);
if (unapplied.length > 0) throw new Error(`bundle: ${unapplied.join(', ')} never applied (the package's import moved): update scripts/bundle.mjs`);
