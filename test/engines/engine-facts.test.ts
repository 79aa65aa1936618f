// The engine facts the CLI reads without zod (engines/flags.ts, model-support.ts) are checked here and by the build.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { engineFactsProblems } from '../../src/engines/facts-schema.js';
import { modelSupport } from '../../src/engines/model-support.js';
import { descriptorOf, engineCatalog } from '../../src/engines/registry.js';

const CATALOGS = fileURLToPath(new URL('../../catalogs/', import.meta.url));

function copyOfFacts(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gpuplan-facts-'));
  for (const folder of ['engine-flags', 'engine-models']) cpSync(join(CATALOGS, folder), join(dir, folder), { recursive: true });
  return dir;
}

describe('engine facts shipped in catalogs/', () => {
  it('every flag set, Ollama spec and model registry matches its schema and its file name', () => {
    expect(engineFactsProblems()).toEqual([]);
  });

  it('every release gpuplan offers has its flag set (or Ollama spec) and its model registry', () => {
    for (const { engine, versions } of engineCatalog()) {
      const descriptor = descriptorOf(engine);
      for (const version of versions) {
        if (engine === 'ollama') expect(descriptor.ollamaSpec?.(version)?.version, `${engine} ${version}`).toBeTruthy();
        else expect(descriptor.flagSet?.(version)?.engine, `${engine} ${version}`).toBe(engine);
        expect(modelSupport(engine, version)?.version, `catalogs/engine-models/${engine}-${version}.json`).toBe(version);
      }
    }
  });

  it('names the file and field of a broken flag set', () => {
    const dir = copyOfFacts();
    const file = join(dir, 'engine-flags', 'vllm-0.16.0.json');
    const set = JSON.parse(readFileSync(file, 'utf8'));
    set.flags['--tensor-parallel-size'].takesValue = 'yes';
    writeFileSync(file, JSON.stringify(set));
    const problems = engineFactsProblems(dir);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^catalogs\/engine-flags\/vllm-0\.16\.0\.json: .*takesValue/);
  });

  it('refuses a model registry filed under another release', () => {
    const dir = copyOfFacts();
    const record = readFileSync(join(dir, 'engine-models', 'sglang-0.5.3.json'), 'utf8');
    writeFileSync(join(dir, 'engine-models', 'sglang-0.5.99.json'), record);
    expect(engineFactsProblems(dir)).toEqual(['catalogs/engine-models/sglang-0.5.99.json: says it is sglang-0.5.3.json']);
  });
});
