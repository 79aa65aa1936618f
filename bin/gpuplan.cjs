#!/usr/bin/env node
'use strict';
// Starts the CLI from dist/bundle/cli.cjs with the V8 code cache the build made for this Node's V8
// (scripts/code-cache.mjs): the functions a run calls come compiled instead of being parsed and compiled
// on first call. Without a cache for this V8 (another Node than the one that built), with options given
// to Node, or with GPUPLAN_CODE_CACHE=0, the ES module chunks of the same sources run instead. This file
// is CommonJS: an ES module entry point alone starts Node's module loader, ~6 ms (`npm run bench`).
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const BUNDLE_DIR = join(__dirname, '..', 'dist', 'bundle');

/** The CLI module through the code cache, or null when there is none for this V8. */
function withCodeCache() {
  if (process.env.GPUPLAN_CODE_CACHE === '0') return null;
  // Options given to Node may set V8 flags (--max-old-space-size, --stack-size): V8 refuses a cache made without
  // them, after compiling the whole script, which costs more than the chunks a command loads.
  if (process.execArgv.length > 0 || process.env.NODE_OPTIONS) return null;
  let cachedData;
  try {
    cachedData = readFileSync(join(BUNDLE_DIR, `cli.${process.versions.v8}.cache`));
  } catch {
    return null;
  }
  const file = join(BUNDLE_DIR, 'cli.cjs');
  // V8 checks the cache against the text and its own flags; a cache it refuses only means compiling as usual.
  // The script is ASCII (scripts/bundle.mjs checks), and latin1 reads it faster than UTF-8.
  const script = new (require('node:vm').Script)(readFileSync(file, 'latin1'), { filename: file, cachedData });
  const cli = { exports: {} };
  script.runInThisContext()(cli.exports, require, cli, file, BUNDLE_DIR);
  return cli.exports;
}

async function run() {
  const { main, writesPending } = withCodeCache() ?? (await import('../dist/bundle/cli.js'));
  process.exitCode = await main(process.argv.slice(2));
  // Leaving on our own: when the event loop empties, Node first waits for V8's background tasks
  // (optimising compiles, GC sweeping) to finish, work nobody will use. Only once everything written
  // has left the process: a slow pipe reader still gets all of it.
  if (!writesPending()) process.exit();
}

run();
