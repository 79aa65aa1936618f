#!/usr/bin/env node
// Bundles the CLI into dist/bundle/, twice from the same sources: as one script, cli.cjs, which
// bin/gpuplan.cjs starts with the V8 code cache scripts/code-cache.mjs makes for it, and as ES module
// chunks for a Node without that cache, where code splitting keeps the lazily imported parts (YAML
// catalog loading, prices, config files, render, validate) in chunks that load only when used.
// Either way `gpuplan` reads a few files instead of ~60 ES modules. The library (dist/index.js)
// stays as tsc emits it.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { resolve, sep } from 'node:path';

/** gpuplan's own source, as esbuild names importers (absolute paths). */
const OWN_SOURCE = resolve('src') + sep;

// Chunk names are content hashes: clear out the previous build's.
rmSync('dist/bundle', { recursive: true, force: true });

/**
 * A build-time substitution of one module that a package (or, for `null`, gpuplan's own source) imports:
 * `from` (as the importer writes it) becomes `contents`. The build fails when it never applies, so a
 * package update that moves the import cannot silently undo the start-up it saves.
 */
function substitute(name, inPackage, from, contents, loader = 'js') {
  const inside = inPackage === null ? { test: (importer) => importer.startsWith(OWN_SOURCE) } : new RegExp(`[\\/]node_modules[\\/]${inPackage}[\\/]`);
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

const common = {
  entryPoints: { cli: 'src/cli/main.ts' },
  outdir: 'dist/bundle',
  bundle: true,
  platform: 'node',
  target: 'node20',
  packages: 'bundle',
  legalComments: 'none',
  minify: process.env.GPUPLAN_BUNDLE_DEBUG !== '1',
  logLevel: 'warning',
  plugins: substitutions,
};

// The ES module chunks: what bin/gpuplan.cjs runs when no code cache of this Node's V8 is there.
await build({
  ...common,
  splitting: true,
  format: 'esm',
  chunkNames: 'chunk-[hash]',
  // CommonJS dependencies bundled into ESM need a require().
  banner: { js: "import { createRequire as __gpuplanRequire } from 'node:module'; const require = __gpuplanRequire(import.meta.url);" },
});

// One script of the whole CLI, for a V8 code cache (scripts/code-cache.mjs): Node 20 can only load a code cache
// with vm.Script, which runs scripts, not ES modules. The file is a function expression taking what CommonJS
// gives a module, so bin/gpuplan.cjs and the cache's maker compile the very same text (V8 checks a cache
// against the text's length only; bin/gpuplan.cjs also against its age). Lazily imported parts stay lazy: esbuild turns import() into calls of wrapped module bodies.
const script = await build({
  ...common,
  format: 'cjs',
  write: false,
  metafile: true,
  define: { 'import.meta.url': '__gpuplanUrl' },
  banner: { js: "(function (exports, require, module, __filename, __dirname) {'use strict';const __gpuplanUrl = require('node:url').pathToFileURL(__filename).href;" },
  footer: { js: '\n})' },
});
const [cjs] = script.outputFiles;
const text = cjs.text;
// A dynamic import left in the script would fail in vm.Script (no module loader for it): make it a static one.
const leftDynamic = Object.values(script.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.kind === 'dynamic-import').map((i) => i.path));
if (leftDynamic.length > 0) throw new Error(`bundle: dist/bundle/cli.cjs imports ${leftDynamic.join(', ')} dynamically; vm.Script cannot run that`);
// bin/gpuplan.cjs reads the script as latin1, half the time of decoding UTF-8 (~2 ms of every start): for that it must
// be ASCII, as esbuild writes strings and identifiers; a character outside it in a regular expression stays, so the
// sources write those as \u escapes.
// (An unminified debugging build keeps the sources' comments, which latin1 garbles harmlessly.)
const nonAscii = process.env.GPUPLAN_BUNDLE_DEBUG === '1' ? -1 : text.search(/[^\x00-\x7f]/);
if (nonAscii >= 0)
  throw new Error(`bundle: dist/bundle/cli.cjs is not ASCII near ${JSON.stringify(text.slice(Math.max(0, nonAscii - 60), nonAscii + 10))}; write that character as a \\u escape in the source`);
// The script's last line names its build (a hash of the text before it): the code cache carries the same name
// (scripts/code-cache.mjs), and bin/gpuplan.cjs pairs them by it, not by file times, which installs rewrite.
const buildName = createHash('sha256').update(text).digest('hex').slice(0, 16);
writeFileSync(cjs.path.replace(/\.js$/, '.cjs'), `${text}\n//gpuplan-build ${buildName}\n`);

const unapplied = substitutions.filter((p) => !applied.has(p.name)).map((p) => p.name);
if (unapplied.length > 0) throw new Error(`bundle: ${unapplied.join(', ')} never applied (the package's import moved): update scripts/bundle.mjs`);
