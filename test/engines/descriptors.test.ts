/**
 * The engine descriptors (issue: engines as versioned descriptors): releases and their
 * defaults, one KV-dtype literal per engine checked against the recorded flag sets,
 * the one TP rule, the verdict read by text, JSON and exit code, and no engine-name
 * switches outside src/engines/.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { DESCRIPTORS, descriptorOf, engineRelease } from '../../src/engines/registry.js';
import { gpuplan } from '../cli/run.js';

const ROOT = new URL('../../', import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('gpuplan catalog engines', () => {
  it('--json lists every engine, its releases and the default: vLLM defaults to ≥ 0.30 and keeps 0.11.0', () => {
    const r = gpuplan(['catalog', 'engines', '--json']);
    expect(r.code).toBe(0);
    const engines = JSON.parse(r.stdout) as { engine: string; versions: string[]; default: string }[];
    expect(engines.map((e) => e.engine).sort()).toEqual(['llamacpp', 'ollama', 'sglang', 'vllm']);
    for (const e of engines) expect(Object.keys(e)).toEqual(['engine', 'versions', 'default']);
    const vllm = engines.find((e) => e.engine === 'vllm')!;
    const [major, minor] = vllm.default.split('.').map(Number);
    expect(major === 0 && (minor ?? 0) >= 30).toBe(true);
    expect(vllm.versions).toContain('0.11.0');
    expect(vllm.versions[0]).toBe(vllm.default);
  });

  it('text output names each default', () => {
    const r = gpuplan(['catalog', 'engines']);
    expect(r.stdout).toMatch(/^vllm\s+vLLM\s+0\.3\d\.\d+\s+0\.3\d/m);
  });
});

describe('releases', () => {
  it('a version between two recorded releases reads with the one whose behaviour it shares (behavesSince)', () => {
    const vllm = descriptorOf('vllm');
    // 0.21.0 brought utilization 0.92 and CUDA graphs in the budget (vllm-project/vllm#38284).
    expect(vllm.releaseFor('0.28.0')).toBe('0.31.0');
    expect(vllm.releaseFor('0.19.0')).toBe('0.16.0');
    expect(vllm.releaseFor('0.20.2')).toBe('0.16.0');
    expect(vllm.releaseFor('0.10.1.1')).toBe('0.11.0');
    // Ollama 0.30.0 moved GGUF models to a llama-server subprocess.
    expect(descriptorOf('ollama').releaseFor('0.31.2')).toBe('0.32.15');
    expect(descriptorOf('ollama').releaseFor('0.11.0')).toBe('0.11.0');
    expect(descriptorOf('ollama').releaseFor('0.5.4')).toBe('0.11.0');
  });

  it('plan --out writes the default release image (examples/ are generated with it)', () => {
    const compose = readFileSync(join(ROOT, 'examples/deepseek-r1-8xa100/docker-compose.yml'), 'utf8');
    expect(compose).toContain(`image: "vllm/vllm-openai:v${descriptorOf('vllm').defaultVersion}"`);
    expect(JSON.parse(readFileSync(join(ROOT, 'examples/deepseek-r1-8xa100/plan.json'), 'utf8')).plan.engineVersion).toBe(descriptorOf('vllm').defaultVersion);
  });

  it('--engine-version picks an older release: its image, its defaults', () => {
    const r = gpuplan(['estimate', '-m', 'llama-3.1-8b', '--gpu', 'h100-sxm', '-e', 'vllm', '--engine-version', '0.11.0']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/gpu_memory_utilization 0\.9 caps vLLM/);
    expect(r.stdout).toMatch(/vLLM 0\.11\.0 will log\n {2}Model loading took [\d.]+ GiB\n {2}Available KV cache memory/);
  });

  it('an unknown release exits 2 naming the known ones', () => {
    const r = gpuplan(['estimate', '-m', 'llama-3.1-8b', '--gpu', 'h100-sxm', '-e', 'vllm', '--engine-version', '9.9.9']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--engine-version "9\.9\.9": vLLM release "9\.9\.9" is not known; valid: 0\.31\.0, 0\.16\.0, 0\.11\.0/);
  });

  it('--engine-version without --engine is bad input', () => {
    const r = gpuplan(['plan', '-m', 'llama-3.1-8b', '-b', '1xH100-SXM', '--engine-version', '0.11.0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs --engine/);
  });

  it('each release names its source: a tag, a 40-hex commit, files, and a flag set that exists', () => {
    for (const d of DESCRIPTORS) {
      for (const version of d.versions) {
        const { release } = engineRelease(d.id, version);
        expect(release.source.commit).toMatch(/^[0-9a-f]{40}$/);
        expect(release.source.files.length).toBeGreaterThan(0);
        expect(d.flagSet(version) ?? d.ollamaSpec(version)).not.toBeNull();
      }
    }
  });

  it('vLLM 0.31.0 profiles CUDA graphs inside the budget, so its KV pool is smaller than 0.11.0 would say at the same utilization', () => {
    const args = (v: string) => ['estimate', '-m', 'llama-3.1-8b', '--gpu', 'h100-sxm', '-e', 'vllm', '--engine-version', v, '--gpu-mem-util', '0.9', '--json'];
    const old = JSON.parse(gpuplan(args('0.11.0')).stdout);
    const now = JSON.parse(gpuplan(args('0.31.0')).stdout);
    expect(now.kvCacheTokens).toBeLessThan(old.kvCacheTokens);
  });
});

describe('KV cache dtypes: one literal per engine', () => {
  it('is the union of the choices its releases record (vLLM, SGLang: --kv-cache-dtype; llama.cpp: --cache-type-k; Ollama: OLLAMA_KV_CACHE_TYPE)', () => {
    for (const d of DESCRIPTORS) {
      const recorded = new Set<string>(['auto']);
      for (const version of d.versions) {
        const set = d.flagSet(version);
        const choices = set ? (set.flags['--kv-cache-dtype'] ?? set.flags['--cache-type-k'])?.choices : d.ollamaSpec(version)?.environment.OLLAMA_KV_CACHE_TYPE?.split('|');
        for (const c of choices ?? []) recorded.add(c);
      }
      expect([...d.kvDtypes].sort(), d.id).toEqual([...recorded].sort());
    }
  });

  it('a dtype the engine does not take exits 2 naming the ones it does', () => {
    const r = gpuplan(['estimate', '-m', 'qwen2.5-7b', '-e', 'vllm', '--gpu', 'h100-sxm', '--kv-dtype', 'q4_0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^gpuplan: option --kv-dtype "q4_0": vLLM 0\.31\.0 takes auto, bfloat16, fp8, fp8_ds_mla, fp8_e4m3, fp8_e5m2, fp8_inc\n$/);
  });

  it('the dtype asked for is the one written (no silent fallback to auto)', () => {
    const r = gpuplan(['plan', '-m', 'llama-3.1-8b', '-b', '1xH100-SXM', '-e', 'vllm', '--kv-dtype', 'fp8_e5m2', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).plan.settings['kv-cache-dtype']).toBe('fp8_e5m2');
  });
});

describe('one tensor-parallel rule', () => {
  it('estimate --tp 14 for Qwen2.5-7B (28 heads, 4 KV heads) never says it fits', () => {
    const r = gpuplan(['estimate', '-m', 'qwen2.5-7b', '--tp', '14', '--gpu', 'h100-sxm', '-e', 'vllm']);
    expect(r.code).toBe(2);
    expect(r.stdout).not.toMatch(/fits/);
    expect(r.stderr).toMatch(/TP 14 neither divides nor is a multiple of the 4 KV heads of qwen2\.5-7b; valid: 1, 2, 4\n/);
  });
});

describe('the verdict', () => {
  it('reads the same in text, JSON and exit code: a KV pool short of the concurrency starts, with fewer requests at once', () => {
    const args = ['estimate', '-m', 'llama-3.1-8b', '--gpu', 'rtx-4090', '-e', 'vllm', '--context', '32768', '--concurrency', '64'];
    const json = gpuplan([...args, '--json']);
    const text = gpuplan(args);
    expect(JSON.parse(json.stdout).verdict).toMatchObject({ status: 'reduced-concurrency', reason: 'kv-pool-below-concurrency' });
    expect(json.code).toBe(1);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/starts, but with fewer requests at once than asked/);
  });

  it('rejected candidates are records with a verdict, not strings', () => {
    const r = gpuplan(['plan', '-m', 'deepseek-r1-671b', '-b', '8xA100', '--json']);
    const rejected = JSON.parse(r.stdout).rejected as Record<string, unknown>[];
    expect(rejected.length).toBeGreaterThan(0);
    for (const x of rejected) {
      expect(x).toHaveProperty('gpu');
      expect(x).toHaveProperty('verdict.reason');
      expect(x).not.toHaveProperty('candidate');
    }
  });
});

describe('house rules', () => {
  it('at most 3 engine-name switches outside src/engines/', () => {
    const switches = sourceFiles(join(ROOT, 'src'))
      .filter((f) => !f.includes('/src/engines/'))
      .flatMap((f) => readFileSync(f, 'utf8').match(/(===|!==)\s*'(vllm|sglang|llamacpp|ollama)'|case '(vllm|sglang|llamacpp|ollama)'/g) ?? []);
    expect(switches.length).toBeLessThanOrEqual(3);
  });

  it('docs/ARCHITECTURE.md exists, the README links it, and no comment cites DESIGN.md', () => {
    expect(statSync(join(ROOT, 'docs/ARCHITECTURE.md')).isFile()).toBe(true);
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain('docs/ARCHITECTURE.md');
    for (const f of sourceFiles(join(ROOT, 'src'))) expect(readFileSync(f, 'utf8'), f).not.toMatch(/DESIGN\.md/);
  });

  it('an internal error (a bug) exits 70 and asks for a report, instead of sharing exit 1 with "does not fit"', async () => {
    vi.resetModules();
    vi.doMock('../../src/cli/catalog.js', () => ({
      runCatalog: () => {
        throw new TypeError('boom');
      },
    }));
    const { main } = await import('../../src/cli/main.js');
    let err = '';
    const code = await main(['catalog', 'engines'], { out: () => {}, err: (t) => (err += t) });
    expect(code).toBe(70);
    expect(err).toMatch(/internal error .*boom/);
    expect(err).toMatch(/please report it/);
    // One line: the stack only with GPUPLAN_DEBUG.
    expect(err.trimEnd().split('\n')).toHaveLength(1);
    vi.doUnmock('../../src/cli/catalog.js');
  });
});
