/**
 * `--hf-repo ORG/NAME[@REV]` (a config.json's weights from the hub) and `hf:` repos the catalog
 * knows, resolved offline from the catalog (built CLI; an empty cache, so no network).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { findFlag } from '../../src/engines/flags.js';
import { descriptorOf } from '../../src/engines/registry.js';
import { PlanResultSchema } from '../../src/planner/schema.js';
import { launchOf } from '../../src/render/render.js';
import { fixture } from '../helpers.js';
import { gpuplan } from './run.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'gpuplan-hfrepo-'));
/** A fine-tune's config.json in a folder of its own (no weights beside it). */
function configDir(): string {
  const dir = join(tmp(), 'my-finetune');
  mkdirSync(dir);
  copyFileSync(fixture('configs/llama-2-7b.config.json'), join(dir, 'config.json'));
  return join(dir, 'config.json');
}
/** An empty cache: an hf: model that is not in the catalog fails as it would offline, and nothing reaches the network. */
const env = { XDG_CACHE_HOME: tmp() };

describe('plan --hf-repo: the weights of a config.json come from that repo, at that revision', () => {
  it.each([
    ['vllm', ['my-org/My-Finetune', '--revision', 'v1.2']],
    ['sglang', ['--model-path', 'my-org/My-Finetune', '--revision', 'v1.2']],
  ])('%s: the files pull the repo with --revision, parse back, and render again byte for byte', (engine, modelArgs) => {
    const config = configDir();
    const out = join(tmp(), 'deploy');
    const r = gpuplan(['plan', '--model', config, '--hf-repo', 'my-org/My-Finetune@v1.2', '--budget', '1xh100-sxm', '--engine', engine, '--out', out], undefined, env);
    expect(r.stderr).toMatch(/^Wrote \d files/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/from hf:my-org\/My-Finetune@v1\.2/);

    const saved = PlanResultSchema.parse(JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8')));
    const plan = saved.plan!;
    expect(plan.model.hfRepo).toBe('my-org/My-Finetune');
    expect(plan.artifact?.source).toBe('hf:my-org/My-Finetune@v1.2');
    expect(saved.request.hfRepo).toBe('my-org/My-Finetune@v1.2');

    // The compose command as Compose reads it: the repo, then its revision; no bind mount of the config's folder.
    const compose = parse(readFileSync(join(out, 'docker-compose.yml'), 'utf8'));
    const service = compose.services[engine];
    const command: string[] = service.command;
    const at = command.indexOf('my-org/My-Finetune');
    expect(command.slice(at - (engine === 'sglang' ? 1 : 0), at - (engine === 'sglang' ? 1 : 0) + modelArgs.length)).toEqual(modelArgs);
    expect(JSON.stringify(service.volumes)).not.toContain('my-finetune');
    // Every flag of the launch is one the pinned release parses, --revision included.
    const descriptor = descriptorOf(plan.engine);
    const launch = launchOf(plan);
    for (const word of launch.containerArgs.filter((a) => a.startsWith('--'))) {
      expect(findFlag(descriptor.flagSet(plan.engineVersion)!, word, descriptor.commandLine!.syntax), word).not.toBeNull();
    }

    const again = join(tmp(), 'again');
    expect(gpuplan(['render', join(out, 'plan.json'), '--out', again]).code).toBe(0);
    for (const file of readdirSync(out)) expect(readFileSync(join(again, file), 'utf8'), file).toBe(readFileSync(join(out, file), 'utf8'));
  });

  it('vLLM serve.sh runs the repo with its revision; without a revision there is no --revision', () => {
    const config = configDir();
    const out = join(tmp(), 'deploy');
    expect(
      gpuplan(['plan', '--model', config, '--hf-repo', 'my-org/My-Finetune@0123456789abcdef0123456789abcdef01234567', '--budget', '1xh100-sxm', '--engine', 'vllm', '--out', out], undefined, env).code,
    ).toBe(0);
    expect(readFileSync(join(out, 'serve.sh'), 'utf8')).toMatch(/vllm serve my-org\/My-Finetune \\\n\s+--revision 0123456789abcdef0123456789abcdef01234567 \\\n/);
    const plain = gpuplan(['plan', '--model', config, '--hf-repo', 'my-org/My-Finetune@main', '--budget', '1xh100-sxm', '--engine', 'vllm', '--json'], undefined, env);
    expect(JSON.parse(plain.stdout).plan.artifact.source).toBe('hf:my-org/My-Finetune');
  });

  it('estimate --hf-repo names the repo as the weights', () => {
    const r = gpuplan(['estimate', '--model', configDir(), '--hf-repo', 'my-org/My-Finetune@v1', '--json'], undefined, env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ model: 'my-org/My-Finetune', artifact: 'hf:my-org/My-Finetune@v1' });
  });

  it('llama.cpp and Ollama cannot load a safetensors repo: exit 1, and the verdict says they run GGUF files only', () => {
    for (const engine of ['llamacpp', 'ollama']) {
      const r = gpuplan(['plan', '--model', configDir(), '--hf-repo', 'my-org/My-Finetune', '--budget', '1xh100-sxm', '--engine', engine, '--json'], undefined, env);
      expect(r.code, engine).toBe(1);
      const json = JSON.parse(r.stdout);
      expect(json.plan).toBeNull();
      expect(json.rejected.length).toBeGreaterThan(0);
      for (const x of json.rejected) expect(x.verdict).toMatchObject({ status: 'cannot-run', message: expect.stringMatching(/runs GGUF files only/) });
    }
  });

  it.each([
    ['meta llama/x', /argument 'meta llama\/x' is invalid\. "meta llama" is not a hub name \(letters, digits/],
    ['org/--name', /argument 'org\/--name' is invalid\. "--name" is not a hub name/],
    ['org/name@-x', /argument 'org\/name@-x' is invalid\. "-x" is not a revision \(a branch, tag or 40-hex commit/],
    ['org/name@a b', /argument 'org\/name@a b' is invalid\. "a b" is not a revision/],
    ['org/name/file.bin', /argument 'org\/name\/file.bin' is invalid\. expected ORG\/NAME\[@REVISION\], not a path inside the repo/],
    ['just-a-name', /argument 'just-a-name' is invalid\. expected ORG\/NAME\[@REVISION\], e\.g\./],
    ['org/name@v1\u001b[31m', /argument 'org\/name@v1\\u001b\[31m' is invalid/],
  ])('a bad value (%j) exits 2 in one line naming it and what is valid; nothing is written', (value, message) => {
    const out = join(tmp(), 'deploy');
    const r = gpuplan(['plan', '--model', configDir(), '--hf-repo', value, '--budget', '1xh100-sxm', '--out', out], undefined, env);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^gpuplan: option '--hf-repo <org\/name\[@rev\]>' /);
    expect(r.stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });

  it.each([
    [['--model', 'llama-3.1-8b'], /option --hf-repo "a\/b": only a config.json model takes it/],
    [['--model', 'hf:meta-llama/Llama-3.1-8B-Instruct'], /option --hf-repo "a\/b": --model hf:meta-llama\/Llama-3.1-8B-Instruct already names its repo; pin a revision there/],
  ])('with a model that names its own weights (%j) it is an error (exit 2)', (model, message) => {
    const r = gpuplan(['plan', ...model, '--hf-repo', 'a/b', '--budget', '1xh100-sxm'], undefined, env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('nothing fits: every suggested command keeps --hf-repo', () => {
    const r = gpuplan(['plan', '--model', configDir(), '--hf-repo', 'my-org/My-Finetune', '--budget', '1xl4', '--context', '4096', '--concurrency', '64', '--json'], undefined, env);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.plan).toBeNull();
    expect(json.suggestions.length).toBeGreaterThan(0);
    for (const s of json.suggestions) expect(s.command).toMatch(/ --hf-repo my-org\/My-Finetune$/);
  });
});

describe('hf: repos the catalog knows resolve offline from the catalog', () => {
  it('plan --model hf:meta-llama/Llama-3.1-8B-Instruct --offline: planned from the entry, and the plan says so', () => {
    const r = gpuplan(['plan', '--model', 'hf:meta-llama/Llama-3.1-8B-Instruct', '--budget', '1xh100-sxm', '--offline', '--json'], undefined, env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { plan, alternatives } = JSON.parse(r.stdout);
    expect(plan.model).toMatchObject({ id: 'llama-3.1-8b', hfRepo: 'meta-llama/Llama-3.1-8B-Instruct' });
    expect(plan.artifact).toEqual({ source: 'hf:meta-llama/Llama-3.1-8B-Instruct', format: 'safetensors', bytes: 16060522496 });
    const note = "hf:meta-llama/Llama-3.1-8B-Instruct was read from gpuplan's catalog entry llama-3.1-8b, not from the hub: --offline, and the hub's answer is not in the cache.";
    expect(plan.notes[0]).toBe(note);
    for (const a of alternatives) expect(a.notes[0]).toBe(note);
    // The same numbers as the catalog id.
    const byId = JSON.parse(gpuplan(['plan', '--model', 'llama-3.1-8b', '--budget', '1xh100-sxm', '--json']).stdout).plan;
    expect(plan.memory).toEqual(byId.memory);
  });

  it('the note reaches PLAN.md; estimate names the entry as the origin', () => {
    const out = join(tmp(), 'deploy');
    expect(gpuplan(['plan', '--model', 'hf:meta-llama/Llama-3.1-8B-Instruct', '--budget', '1xh100-sxm', '--offline', '--out', out], undefined, env).code).toBe(0);
    expect(readFileSync(join(out, 'PLAN.md'), 'utf8')).toContain("was read from gpuplan's catalog entry llama-3.1-8b, not from the hub");
    const e = gpuplan(['estimate', '--model', 'hf:meta-llama/Llama-3.1-8B-Instruct', '--offline'], undefined, env);
    expect(e.code).toBe(0);
    expect(e.stdout).toMatch(/catalog entry llama-3.1-8b, for hf:meta-llama\/Llama-3.1-8B-Instruct \(--offline/);
  });

  it('an hf: repo the catalog does not know, offline and not cached, still fails in one line saying what to do (exit 2)', () => {
    const r = gpuplan(['plan', '--model', 'hf:someone/Unknown-Model', '--budget', '1xh100-sxm', '--offline'], undefined, env);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^gpuplan: hf:someone\/Unknown-Model@main: config.json is not in the cache .*--offline forbids the network; run once online, or pass --model path\/to\/config.json\n$/);
  });
});
