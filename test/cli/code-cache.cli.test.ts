import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { gpuplan } from './run.js';

const BUNDLE_DIR = fileURLToPath(new URL('../../dist/bundle/', import.meta.url));

describe('the code-cache start (bin/gpuplan.cjs, scripts/code-cache.mjs)', () => {
  it('the build made a cache for this V8 that V8 accepts for dist/bundle/cli.cjs', () => {
    const own = `cli.${process.versions.v8}.cache`;
    expect(readdirSync(BUNDLE_DIR)).toContain(own);
    const file = join(BUNDLE_DIR, 'cli.cjs');
    const script = new vm.Script(readFileSync(file, 'latin1'), { filename: file, cachedData: readFileSync(join(BUNDLE_DIR, own)) });
    // Refused, it would only be slower; the start-up it exists for would be gone.
    expect(script.cachedDataRejected).toBe(false);
    const cli = { exports: {} as Record<string, unknown> };
    script.runInThisContext()(cli.exports, createRequire(file), cli, file, BUNDLE_DIR);
    expect(Object.keys(cli.exports).sort()).toEqual(['EXIT', 'main', 'writesPending']);
  });

  // The same sources bundled twice: the script with its cache, and the ES module chunks another Node runs.
  const COMMANDS: [string, string[]][] = [
    ['a plan under load', ['plan', '--model', 'llama-3.1-8b', '--budget', '8xH100', '--rate', '20', '--input-len', '1000', '--output-len', '300', '--tpot-ms', '50', '--json']],
    ['a plan in text', ['plan', '--model', 'deepseek-r1-671b', '--budget', '8xH200']],
    ['nothing fits', ['plan', '--model', 'llama-3.1-70b', '--budget', '1xT4']],
    ['an estimate', ['estimate', '--model', 'qwen3-30b-a3b', '--gpu', 'h100-sxm', '--engine', 'sglang', '--batch', 'max', '--json']],
    ['the catalog', ['catalog', 'engines']],
    ['bad input', ['plan', '--model', 'llama-3.1-8b', '--budget', '1xh100', '--rate', 'lots']],
  ];
  it.each(COMMANDS)('%s: the same output, errors and exit code either way', (_what, argv) => {
    // The cached start needs a Node given no options of its own (bin/gpuplan.cjs); `gpuplan()` passes this env on.
    expect(process.env.NODE_OPTIONS).toBeUndefined();
    const cached = gpuplan(argv);
    const modules = gpuplan(argv, undefined, { GPUPLAN_CODE_CACHE: '0' });
    expect(cached.code).toBe(modules.code);
    expect(cached.stdout).toBe(modules.stdout);
    expect(cached.stderr).toBe(modules.stderr);
    expect(cached.stdout.length + cached.stderr.length).toBeGreaterThan(0);
  });

  it('with V8 flags in NODE_OPTIONS (which make V8 refuse the cache) it runs the chunks, with the same output', () => {
    const argv = ['plan', '--model', 'llama-3.1-8b', '--budget', '2xL4', '--json'];
    const flagged = gpuplan(argv, undefined, { NODE_OPTIONS: '--max-old-space-size=4096' });
    expect(flagged.code).toBe(0);
    expect(flagged.stdout).toBe(gpuplan(argv).stdout);
  });
});
