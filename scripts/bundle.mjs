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

// zod's classic API re-exports every locale's error messages (`z.locales`, about half of zod's
// source) although only English is configured by default and gpuplan uses no other: the CLI
// would parse ~370 KB it never runs on every start. Resolve zod's locale index to English alone.
const englishZodLocalesOnly = {
  name: 'english-zod-locales-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => (args.importer.includes(`${'node_modules'}/zod/`) ? { path: 'zod-locales-en', namespace: 'zod-locales' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, () => ({
      contents: "export { default as en } from 'zod/v4/locales/en.js';",
      resolveDir: process.cwd(),
    }));
  },
};

// commander requires node:child_process at load for executable subcommands, which gpuplan has none
// of; loading that builtin costs ~4 ms of every start. Give commander a stand-in that loads it on use.
const lazyChildProcessForCommander = {
  name: 'lazy-child-process-for-commander',
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) => (args.importer.includes(`${'node_modules'}/commander/`) ? { path: 'child_process', namespace: 'lazy-child-process' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'lazy-child-process' }, () => ({
      contents: "module.exports = new Proxy({}, { get: (_, name) => require('node:child_process')[name] });",
      loader: 'js',
    }));
  },
};

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
  plugins: [englishZodLocalesOnly, lazyChildProcessForCommander],
  // CommonJS dependencies bundled into ESM need a require().
  banner: { js: "import { createRequire as __gpuplanRequire } from 'node:module'; const require = __gpuplanRequire(import.meta.url);" },
});
