#!/usr/bin/env node
'use strict';
// Starts the CLI from dist/bundle/cli.cjs with the V8 code cache the build made for this Node's V8
// (scripts/code-cache.mjs): the functions a run calls come compiled instead of being parsed and compiled
// on first call. Without a usable cache the ES module chunks of the same sources run instead.
// GPUPLAN_CODE_CACHE=0 always runs the chunks; GPUPLAN_CODE_CACHE=1 insists on the cache (to check an
// install) and says why not when it cannot. This file is CommonJS: an ES module entry point alone starts
// Node's module loader, ~6 ms (`npm run bench`).
const { readFileSync, writeSync } = require('node:fs');
const { join } = require('node:path');

const BUNDLE_DIR = join(__dirname, '..', 'dist', 'bundle');
const SCRIPT = join(BUNDLE_DIR, 'cli.cjs');
const CACHE = join(BUNDLE_DIR, `cli.${process.versions.v8}.cache`);
/** The cache's first line, `gpuplan-build <16 hex digits>\n`: the build of cli.cjs it was made from. */
const BUILD_LINE_BYTES = 'gpuplan-build '.length + 16 + 1;

/** The CLI module through the code cache, or null when it cannot serve (GPUPLAN_CODE_CACHE=1: exit 2 instead). */
function withCodeCache() {
  const mode = process.env.GPUPLAN_CODE_CACHE;
  if (mode === '0') return null;
  const cannot = (why) => {
    if (mode !== '1') return null;
    // Synchronous: the exit below must not cut it off (a Windows console writes asynchronously).
    writeSync(2, `gpuplan: GPUPLAN_CODE_CACHE=1, but ${why}\n`);
    process.exit(2);
  };
  // Options given to Node may set V8 flags (--max-old-space-size, --stack-size): V8 refuses a cache made without
  // them, after compiling the whole script, which costs more than the chunks a command loads.
  if (process.execArgv.length > 0 || process.env.NODE_OPTIONS) return cannot('Node was given options (execArgv or NODE_OPTIONS), which may set V8 flags the cache was not made with');
  let cache;
  try {
    cache = readFileSync(CACHE);
  } catch {
    return cannot(`there is no ${CACHE} for this Node's V8 ${process.versions.v8}`);
  }
  let text;
  try {
    // The script is ASCII (scripts/bundle.mjs checks), and latin1 reads it in half the time of UTF-8.
    text = readFileSync(SCRIPT, 'latin1');
  } catch (error) {
    return cannot(`${SCRIPT} cannot be read (${error.code ?? error.message})`);
  }
  // V8 checks a cache against its own version and flags and the script's length, not its text: the script's last
  // line and the cache's first name the build they come from, so a cache never runs with another build's script.
  const build = cache.toString('latin1', 0, BUILD_LINE_BYTES - 1);
  if (!build.startsWith('gpuplan-build ') || !text.endsWith(`//${build}\n`)) return cannot(`${CACHE} was made for another build of ${SCRIPT}`);
  try {
    const script = new (require('node:vm').Script)(text, { filename: SCRIPT, cachedData: cache.subarray(BUILD_LINE_BYTES) });
    // A refused cache only means the script was compiled as usual.
    if (script.cachedDataRejected) cannot(`V8 refused ${CACHE}`);
    const cli = { exports: {} };
    script.runInThisContext()(cli.exports, require, cli, SCRIPT, BUNDLE_DIR);
    return cli.exports;
  } catch (error) {
    // A damaged script (a truncated copy) leaves the chunks to run.
    return cannot(`${SCRIPT} does not load (${String(error).split('\n')[0]})`);
  }
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
