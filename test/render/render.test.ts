import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findFlag, loadFlagSet, loadOllamaSpec } from '../../src/engines/flags.js';
import { descriptorOf, engineRelease } from '../../src/engines/registry.js';
import { deployView, launchOf, renderPlan } from '../../src/render/render.js';
import { renderTemplate } from '../../src/render/templates.js';
import { RenderError, verifyRendered } from '../../src/render/verify.js';
import { writeRendered } from '../../src/render/write.js';
import type { PlanResult } from '../../src/planner/schema.js';
import { examplePlan, examplePlans, HOSTILE, hostilePlan } from './fixtures.js';

describe.each(examplePlans)('example %s', (_name, result) => {
  const plan = result.plan!;

  it('renders the files the plan lists, byte-identical on every run', () => {
    const first = renderPlan(result);
    expect(first.map((f) => f.path)).toEqual(plan.files);
    expect(renderPlan(structuredClone(result))).toEqual(first);
  });

  it("every flag it passes exists in the engine's recorded argument set, with a valid value", () => {
    const launch = launchOf(plan);
    if (plan.engine === 'ollama') return;
    const descriptor = descriptorOf(plan.engine);
    const flags = descriptor.flagSet(plan.engineVersion)!;
    const syntax = descriptor.commandLine!.syntax;
    // After the program (`vllm serve`, `python3 -m sglang.launch_server`, `llama-server`).
    const argv = launch.scriptCommand.slice(launch.entrypoint.length);
    const start = argv.findIndex((a) => a.startsWith('-'));
    expect(start).toBeGreaterThanOrEqual(0);
    for (let i = start; i < argv.length; i++) {
      const word = argv[i] as string;
      const found = findFlag(flags, word, syntax);
      expect(found, `${plan.engine} ${flags.version} has no ${word}`).not.toBeNull();
      if (found?.flag.takesValue) {
        const value = argv[++i] as string;
        if (found.flag.choices) expect(found.flag.choices, `${word} ${value}`).toContain(value);
        if (found.flag.type === 'int') expect(value).toMatch(/^-?\d+$/);
        if (found.flag.type === 'float') expect(Number.isFinite(Number(value))).toBe(true);
      }
    }
  });
});

describe("flag sets (recorded from the engines' sources)", () => {
  it('name the commit and files they come from', () => {
    for (const descriptor of [descriptorOf('vllm'), descriptorOf('sglang'), descriptorOf('llamacpp')]) {
      for (const version of descriptor.versions) {
        const set = descriptor.flagSet(version)!;
        const release = engineRelease(descriptor.id, version).release;
        expect(set.commit).toMatch(/^[0-9a-f]{40}$/);
        expect(set.sources.length).toBeGreaterThan(0);
        expect(set.engine).toBe(descriptor.id);
        if (release.flagSetExact) {
          // Read at the release itself: same version, same commit.
          expect(set.version).toBe(version);
          expect(release.source.commit).toBe(set.commit);
        } else {
          // Borrowed from an older release whose own set is exact, or marked partial by whoever recorded it.
          const lender = descriptor.versions.includes(set.version) ? engineRelease(descriptor.id, set.version).release : null;
          expect(lender?.flagSetExact || set.derivedBy.startsWith('PARTIAL'), `${descriptor.id} ${version}`).toBe(true);
        }
      }
    }
  });

  it('resolve aliases and spellings the way the parsers do, and reject what they reject', () => {
    const vllm = loadFlagSet('vllm-0.11.0');
    expect(findFlag(vllm, '-tp', descriptorOf('vllm').commandLine!.syntax)?.name).toBe('--tensor-parallel-size');
    expect(findFlag(vllm, '--max_model_len', descriptorOf('vllm').commandLine!.syntax)?.name).toBe('--max-model-len');
    expect(findFlag(vllm, '--tensor-paralel-size', descriptorOf('vllm').commandLine!.syntax)).toBeNull();
    const llamacpp = loadFlagSet('llamacpp-b6550');
    expect(findFlag(llamacpp, '-ngl', descriptorOf('llamacpp').commandLine!.syntax)?.name).toBe('--gpu-layers');
    // b6550's -fa takes on|off|auto (a bare -fa is an error there).
    expect(findFlag(llamacpp, '-fa', descriptorOf('llamacpp').commandLine!.syntax)?.flag.choices).toEqual(['on', 'off', 'auto']);
    expect(findFlag(llamacpp, '--fit', descriptorOf('llamacpp').commandLine!.syntax)).toBeNull();
  });

  it('Ollama: the Modelfile parameters and server variables gpuplan writes exist in v0.12.6', () => {
    const spec = loadOllamaSpec('ollama-0.12.6');
    const launch = launchOf(examplePlan('ollama').plan!);
    for (const p of launch.modelfile!.parameters) expect(Object.keys(spec.parameters)).toContain(p.name);
    for (const e of [...launch.env, ...launch.containerEnv]) expect(Object.keys(spec.environment)).toContain(e.name);
    const kvType = launch.env.find((e) => e.name === 'OLLAMA_KV_CACHE_TYPE')?.value;
    expect(spec.environment.OLLAMA_KV_CACHE_TYPE?.split('|')).toContain(kvType);
  });
});

/** Runs a rendered launch script with fake engine binaries on PATH that print their argv. */
function runScript(script: string, args: string[] = []): { argv: string[]; pwned: boolean } {
  const dir = mkdtempSync(join(tmpdir(), 'gpuplan-script-'));
  for (const program of ['vllm', 'llama-server', 'ray', 'python3']) {
    writeFileSync(join(dir, program), `#!/usr/bin/env bash\nprintf '%s\\0' "$(basename "$0")" "$@"\n`);
    chmodSync(join(dir, program), 0o755);
  }
  writeFileSync(join(dir, 'serve.sh'), script);
  const run = spawnSync('bash', [join(dir, 'serve.sh'), ...args], { cwd: dir, encoding: 'utf8', env: { PATH: `${dir}:/usr/bin:/bin`, HOME: dir } });
  expect(run.stderr).toBe('');
  return { argv: run.stdout.split('\0').slice(0, -1), pwned: existsSync(join(dir, 'PWNED')) };
}

describe('hostile model names and paths stay inert (issue must-show)', () => {
  const cases: [string, PlanResult][] = [
    ['vLLM, local checkpoint directory', hostilePlan(examplePlan('vllm'), (p) => ({ artifact: { ...p.artifact!, source: `file:/models/${HOSTILE}` } }))],
    ['vLLM multi-node', hostilePlan(examplePlan('vllm', true), (p) => ({ artifact: { ...p.artifact!, source: `file:/models/${HOSTILE}` } }))],
    ['SGLang, local checkpoint directory', hostilePlan(examplePlan('sglang'), (p) => ({ artifact: { ...p.artifact!, source: `file:/models/${HOSTILE}` } }))],
    ['llama.cpp, hostile GGUF file name', hostilePlan(examplePlan('llamacpp'), (p) => ({ artifact: { ...p.artifact!, format: 'gguf', source: `file:/models/${HOSTILE.replaceAll('/', '')}.gguf` } }))],
  ];

  it.each(cases)('%s: renders, parses back, and the script runs the model path as one argument', (_label, result) => {
    const files = renderPlan(result);
    const launch = launchOf(result.plan!);
    const script = files.find((f) => f.path.endsWith('.sh'));
    if (script) {
      const { argv, pwned } = runScript(script.content, result.plan!.nodes > 1 ? ['head'] : []);
      expect(pwned).toBe(false);
      // Multi-node: the fake `ray` prints first, then vllm.
      expect(argv.slice(argv.indexOf(launch.scriptCommand[0] as string))).toEqual(launch.scriptCommand);
      expect(launch.scriptCommand.some((a) => a.includes('$(touch PWNED)'))).toBe(true);
    }
    // Outside shell quotes no file may let the newline start a line of its own.
    for (const f of files.filter((f) => !f.path.endsWith('.sh'))) expect(f.content).not.toMatch(/^second line/m);
  });

  it("a hub repo or Ollama tag outside the hub's naming rule is refused, not rendered as another repo (or an option)", () => {
    for (const source of [`hf:org/${HOSTILE.replaceAll('/', '')}`, 'hf:--help/x', 'hf:org/$(touch x)/y', `ollama:${HOSTILE.replace('\n', ' ')}`, 'ollama:-x']) {
      const plan = hostilePlan(examplePlan(source.startsWith('ollama') ? 'ollama' : 'llamacpp'), (p) => ({ artifact: { ...p.artifact!, source } }));
      expect(() => renderPlan(plan), source).toThrow(/is not (hf:<org>\/<repo>|ollama:<name>)/);
    }
  });

  it('a relative local path starting with "-" reaches the engine as a path, not an option', () => {
    const plan = hostilePlan(examplePlan('vllm'), (p) => ({ artifact: { ...p.artifact!, source: 'file:--help' } }));
    expect(launchOf(plan.plan!).scriptCommand).toContain('./--help');
    expect(launchOf(plan.plan!).scriptCommand).not.toContain('--help');
  });

  it('a served name is always a plain slug, whatever the model id', () => {
    expect(launchOf(cases[0]![1].plan!).servedName).toMatch(/^[a-z0-9][a-z0-9._-]*$/);
  });
});

describe('parse-back', () => {
  const result = examplePlan('vllm');
  const view = deployView(result, result.plan!);
  const files = renderPlan(result);

  it('fails loudly when a file does not say what the plan says', () => {
    const tampered = files.map((f) =>
      f.path === 'docker-compose.yml' ? { ...f, content: f.content.replace('"--max-model-len"', '"--max-model-length"').replace('- --max-model-len', '- --max-model-length') } : f,
    );
    expect(() => verifyRendered(tampered, view)).toThrow(RenderError);
    const badScript = files.map((f) => (f.path === 'serve.sh' ? { ...f, content: f.content.replace('--port 8000', '--port 8000 $(id)') } : f));
    expect(() => verifyRendered(badScript, view)).toThrow(/serve.sh: no exec line/);
    const badYaml = files.map((f) => (f.path === 'docker-compose.yml' ? { ...f, content: f.content.replace('    ipc: host', '    ipc: host\n    bogus_key: 1') } : f));
    expect(() => verifyRendered(badYaml, view)).toThrow(/not a valid compose file/);
  });

  it('templates are strict: a missing field is an error, not an empty string', () => {
    const { servedName: _dropped, ...launch } = view.launch;
    expect(() => renderTemplate('vllm/docker-compose.yml', { ...view, launch })).toThrow(/missing/);
    const { version: _version, ...noVersion } = view;
    expect(() => renderTemplate('vllm/docker-compose.yml', noVersion)).toThrow(/"version" not defined/);
  });
});

describe('writing', () => {
  const result = examplePlan('ollama');

  it('never overwrites without force, and writes nothing when it refuses', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gpuplan-out-')), 'deploy');
    const files = renderPlan(result);
    expect(writeRendered(out, files, false).written).toEqual(result.plan!.files);
    writeFileSync(join(out, 'Modelfile'), 'mine');
    expect(() => writeRendered(out, files, false)).toThrow(/Modelfile.*already exist.*--force/);
    expect(spawnSync('cat', [join(out, 'Modelfile')], { encoding: 'utf8' }).stdout).toBe('mine');
    expect(writeRendered(out, files, true).replaced).toEqual(result.plan!.files);
  });
});

describe('a pinned hub revision (hf:org/name@rev) reaches the command line, or is refused', () => {
  const pinned = (engine: string, source: string, format?: string) =>
    hostilePlan(examplePlan(engine), (p) => ({ model: { ...p.model, id: 'my-finetune', name: 'my-finetune' }, artifact: { ...p.artifact!, source, ...(format ? { format } : {}) } }));

  it.each(['vllm', 'sglang'])('%s: the repo as the model, then --revision, in the compose file and the script, each a flag of the release', (engine) => {
    const result = { ...pinned(engine, 'hf:my-org/My-Finetune@v1.2'), request: examplePlan(engine).request };
    const launch = launchOf(result.plan!);
    const modelAt = launch.containerArgs.indexOf('my-org/My-Finetune');
    expect(modelAt).toBeGreaterThanOrEqual(0);
    expect(launch.containerArgs.slice(modelAt + 1, modelAt + 3)).toEqual(['--revision', 'v1.2']);
    expect(launch.scriptCommand.join(' ')).toContain('my-org/My-Finetune --revision v1.2');
    // Every recorded release takes --revision, so re-targeting a plan keeps it valid.
    const descriptor = descriptorOf(result.plan!.engine);
    for (const version of descriptor.versions) expect(findFlag(descriptor.flagSet(version)!, '--revision', descriptor.commandLine!.syntax)?.name, `${engine} ${version}`).toBe('--revision');
    // renderPlan parses every file back and checks it says exactly this launch.
    const files = renderPlan(result);
    expect(files.find((f) => f.path === 'docker-compose.yml')?.content).toMatch(/- my-org\/My-Finetune\n\s+- --revision\n\s+- v1\.2\n/);
  });

  it('without a revision the command line is as before: no --revision', () => {
    expect(launchOf(pinned('vllm', 'hf:my-org/My-Finetune').plan!).containerArgs).not.toContain('--revision');
  });

  it.each(['llamacpp', 'ollama'])('%s cannot pin a revision (-hf / hf.co pull the default branch): rendering refuses', (engine) => {
    expect(() => renderPlan(pinned(engine, 'hf:my-org/My-GGUF@v1', 'gguf'))).toThrow(/pulls hf:my-org\/My-GGUF from its default branch and cannot pin revision v1/);
  });

  it('a revision outside the rule (a leading "-", a space) is refused, not rendered as an option', () => {
    for (const source of ['hf:org/name@--help', 'hf:org/name@a b', 'hf:org/name@../x']) {
      expect(() => renderPlan(pinned('vllm', source)), source).toThrow(/is not hf:<org>\/<repo>\[@revision\]/);
    }
  });
});
