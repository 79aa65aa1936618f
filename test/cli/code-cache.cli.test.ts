import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { BUNDLED_CATALOG_DIR } from '../../src/catalog/catalog.js';
import { gpuplan } from './run.js';

const BUNDLE_DIR = fileURLToPath(new URL('../../dist/bundle/', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));

/** The bin given no Node options (the cache's condition) and told to use the cache or fail; or told to run the chunks. */
const PLAIN = { NODE_OPTIONS: undefined };
const CACHED = { ...PLAIN, GPUPLAN_CODE_CACHE: '1' };
const CHUNKS = { ...PLAIN, GPUPLAN_CODE_CACHE: '0' };

const scratch = mkdtempSync(join(tmpdir(), 'gpuplan-code-cache-'));
const prices = join(scratch, 'prices.yaml');
writeFileSync(prices, 'a100-80g: 0.5\nh100-sxm: 1.9\n');
const catalogDir = join(scratch, 'catalog');
cpSync(BUNDLED_CATALOG_DIR, catalogDir, { recursive: true });

/** Every file under `dir` with its text, by relative path. */
function tree(dir: string): Record<string, string> {
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
  return Object.fromEntries(walk(dir).map((f) => [relative(dir, f), readFileSync(f, 'utf8')]));
}

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

  // The same sources bundled twice: the script with its cache, and the ES module chunks another Node runs. The commands
  // reach the parts loaded on demand too: the YAML catalog, prices, a config.json model, render and write, validate.
  const COMMANDS: [string, string[]][] = [
    ['a plan under load', ['plan', '--model', 'llama-3.1-8b', '--budget', '8xH100', '--rate', '20', '--input-len', '1000', '--output-len', '300', '--tpot-ms', '50', '--json']],
    ['a plan in text', ['plan', '--model', 'deepseek-r1-671b', '--budget', '8xH200']],
    ['nothing fits', ['plan', '--model', 'llama-3.1-70b', '--budget', '1xT4']],
    ['an estimate', ['estimate', '--model', 'qwen3-30b-a3b', '--gpu', 'h100-sxm', '--engine', 'sglang', '--batch', 'max', '--json']],
    ['the catalog', ['catalog', 'engines']],
    ['bad input', ['plan', '--model', 'llama-3.1-8b', '--budget', '1xh100', '--rate', 'lots']],
    ['prices from a file', ['plan', '--model', 'llama-3.1-70b', '--budget', 'a100,h100', '--prices', prices]],
    ['a YAML catalog', ['--catalog', catalogDir, 'plan', '--model', 'llama-3.1-8b', '--budget', '2xL4']],
    ['a config.json model', ['estimate', '--model', join(FIXTURES, 'configs', 'llama-3.1-70b.config.json'), '--gpu', 'a100-80g', '--engine', 'vllm', '--tp', '4']],
    ['validate', ['validate', join(EXAMPLES, 'deepseek-r1-8xa100'), join(EXAMPLES, 'llama-3.1-8b-rate-20-8xh100'), '--format', 'json']],
  ];
  it.each(COMMANDS)('%s: the same output, errors and exit code either way', (_what, argv) => {
    const cached = gpuplan(argv, undefined, CACHED);
    const modules = gpuplan(argv, undefined, CHUNKS);
    expect(cached.stderr).toBe(modules.stderr);
    expect(cached.code).toBe(modules.code);
    expect(cached.stdout).toBe(modules.stdout);
    expect(cached.stdout.length + cached.stderr.length).toBeGreaterThan(0);
  });

  it('plan --out writes the same files either way', () => {
    const argv = (out: string) => ['plan', '--model', 'llama-3.1-8b', '--budget', '8xH100', '--rate', '20', '--input-len', '1000', '--output-len', '300', '--out', out];
    const [a, b] = [join(scratch, 'out-cached'), join(scratch, 'out-chunks')];
    expect(gpuplan(argv(a), undefined, CACHED).code).toBe(0);
    expect(gpuplan(argv(b), undefined, CHUNKS).code).toBe(0);
    const [ta, tb] = [tree(a), tree(b)];
    expect(Object.keys(ta).length).toBeGreaterThan(2);
    // The files name where they were written only through --out's argument, which differs.
    const same = (files: Record<string, string>, dir: string) => JSON.stringify(files).replaceAll(dir, 'OUT');
    expect(same(ta, a)).toBe(same(tb, b));
  });

  it('Node options (which may set V8 flags the cache was not made with) keep the cache unused: the chunks run', () => {
    const argv = ['plan', '--model', 'llama-3.1-8b', '--budget', '2xL4', '--json'];
    const flagged = gpuplan(argv, undefined, { NODE_OPTIONS: '--max-old-space-size=4096' });
    expect(flagged.code).toBe(0);
    expect(flagged.stdout).toBe(gpuplan(argv, undefined, CACHED).stdout);
    // Insisting on the cache says why it is not used.
    const insisted = gpuplan(['--version'], undefined, { NODE_OPTIONS: '--max-old-space-size=4096', GPUPLAN_CODE_CACHE: '1' });
    expect(insisted.code).toBe(2);
    expect(insisted.stderr).toMatch(/^gpuplan: GPUPLAN_CODE_CACHE=1, but Node was given options .*\n$/);
  });
});
