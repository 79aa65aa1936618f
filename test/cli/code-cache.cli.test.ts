import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUNDLED_CATALOG_DIR } from '../../src/catalog/catalog.js';
import { gpuplan, runBin, type Run } from './run.js';

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
  it('the build made a cache for this V8, for this build of cli.cjs, and the CLI starts from it', () => {
    const own = `cli.${process.versions.v8}.cache`;
    expect(readdirSync(BUNDLE_DIR)).toContain(own);
    // The cache's first line names the build the script's last line names (scripts/bundle.mjs, code-cache.mjs).
    const build = readFileSync(join(BUNDLE_DIR, own)).toString('latin1', 0, 30);
    expect(build).toMatch(/^gpuplan-build [0-9a-f]{16}$/);
    expect(readFileSync(join(BUNDLE_DIR, 'cli.cjs'), 'latin1').endsWith(`//${build}\n`)).toBe(true);
    // GPUPLAN_CODE_CACHE=1 exits 2 unless V8 took the cache (bin/gpuplan.cjs).
    const started = gpuplan(['--version'], undefined, CACHED);
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
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
  describe('an installed package (npm pack, unpacked with fresh file times, as npm installs)', () => {
    const ROOT = fileURLToPath(new URL('../../', import.meta.url));
    const packDir = join(scratch, 'pack');
    mkdirSync(packDir);
    const packed = spawnSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', packDir], { cwd: ROOT, encoding: 'utf8' });
    /** A fresh unpacked copy: `tar -m` gives every file the time it is written, in the archive's order. */
    const unpack = (name: string): string => {
      const dir = join(scratch, name);
      mkdirSync(dir);
      expect(spawnSync('tar', ['-xzmf', join(packDir, packed.stdout.trim()), '-C', dir]).status).toBe(0);
      return join(dir, 'package');
    };
    const run = (pkg: string, argv: string[], env: NodeJS.ProcessEnv): Run => runBin(join(pkg, 'bin', 'gpuplan.cjs'), argv, undefined, env);
    const argv = ['plan', '--model', 'llama-3.1-8b', '--budget', '8xH100', '--rate', '20', '--input-len', '1000', '--output-len', '300'];

    it('starts from the cache it ships, with the output of the chunks', () => {
      expect(packed.status).toBe(0);
      const pkg = unpack('installed');
      const cached = run(pkg, argv, CACHED);
      expect(cached.stderr).toBe('');
      expect(cached.code).toBe(0);
      expect(cached.stdout).toBe(run(pkg, argv, CHUNKS).stdout);
    });

    it('a cache made for another build of the script is not used: the chunks run (=1 says why)', () => {
      const pkg = unpack('other-build');
      const cache = join(pkg, 'dist', 'bundle', `cli.${process.versions.v8}.cache`);
      const bytes = readFileSync(cache);
      bytes.write('0000000000000000', 'gpuplan-build '.length, 'latin1');
      writeFileSync(cache, bytes);
      expect(run(pkg, argv, PLAIN).stdout).toBe(run(pkg, argv, CHUNKS).stdout);
      const insisted = run(pkg, ['--version'], CACHED);
      expect(insisted.code).toBe(2);
      expect(insisted.stderr).toMatch(/^gpuplan: GPUPLAN_CODE_CACHE=1, but .*cache was made for another build of .*cli\.cjs\n$/);
    });

    it('a damaged script that still names its build does not load: the chunks run (=1 says why)', () => {
      const pkg = unpack('damaged');
      const script = join(pkg, 'dist', 'bundle', 'cli.cjs');
      const text = readFileSync(script, 'latin1');
      // Half the script cut out, its build line kept: the text does not parse (and V8 would refuse the cache: another length).
      writeFileSync(script, text.slice(0, text.length / 2) + text.slice(text.lastIndexOf('\n//gpuplan-build')), 'latin1');
      const plain = run(pkg, argv, PLAIN);
      expect(plain.stderr).toBe('');
      expect(plain.code).toBe(0);
      expect(plain.stdout).toBe(run(pkg, argv, CHUNKS).stdout);
      const insisted = run(pkg, ['--version'], CACHED);
      expect(insisted.code).toBe(2);
      expect(insisted.stderr).toMatch(/^gpuplan: GPUPLAN_CODE_CACHE=1, but .*cli\.cjs does not load \(SyntaxError: .*\)\n$/);
    });
  });
});
