/**
 * validate (issue 15): compose files, Kubernetes manifests, shell scripts, Modelfiles and
 * Python launchers made of random mixes of real lines (test/fixtures/validate/valid and wild)
 * and hostile fragments (unclosed quotes, `"""`, `\` chains, deep nesting, 10k keys, alias
 * bombs, NULs, long tokens) → `validate <file> --format json`, in process and, a few, spawned.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, it, vi } from 'vitest';
import { fixture } from '../helpers.js';
import { hostileString } from './arbitraries.js';
import { budget, caseDir, checkOutcome, guardRepo, runInProcess, runs, runSpawned, assertReaches } from './harness.js';

vi.mock('../../src/catalog/catalog.js', () => import('./memo-catalog.js').then((m) => m.memoizedCatalog()));
guardRepo();

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile() && statSync(f).size < 200_000 && !f.endsWith('.json'));
}
const LINES = [...filesUnder(fixture('validate/valid')), ...filesUnder(fixture('validate/wild'))].flatMap((f) => readFileSync(f, 'utf8').split('\n'));

const deep = (n: number, open: string, close: string) => `${open.repeat(n)}x${close.repeat(n)}`;
const FRAGMENTS = [
  'command: ["vllm", "serve", "meta-llama/Llama-3.1-8B-Instruct", "--tensor-parallel-size", "8',
  "bash -c 'vllm serve x --tp 2",
  '"""',
  "'''",
  'python -m vllm.entrypoints.openai.api_server \\',
  '\\',
  '\\\\\\',
  'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
  deep(500, '[', ']'),
  deep(500, '{a: ', '}'),
  Array.from({ length: 200 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n'),
  Array.from({ length: 10_000 }, (_, i) => `key${i}: ${i}`).join('\n'),
  'x: 1\nx: 2',
  '\u0000\u0000\u0000',
  '\ufeffservices:',
  `--model ${'m'.repeat(100_000)}`,
  `vllm serve ${'--x '.repeat(5000)}`,
  'FROM ./model.gguf\nPARAMETER num_ctx 999999999999999999999\nTEMPLATE """{{ .Prompt }}',
  'PARAMETER stop "\u001b[31m"',
  'docker run --gpus all vllm/vllm-openai:latest --model $(cat /etc/passwd) `id`',
  'if __name__ == "__main__":\n    subprocess.run(["vllm", "serve", "x", "--tensor-parallel-size", "0"])',
  'LLM(model="x", tensor_parallel_size=1e309, gpu_memory_utilization=-1)',
  '---\n---\n---',
  '!!binary |\n  AAAA',
  '<<: *undefined_alias',
  'apiVersion: v1\nkind: Pod\nspec: {containers: [{image: vllm/vllm-openai, args: ["--max-model-len", "99999999999999999999"]}]}',
  '$(( 1 / 0 ))',
  '${VAR:?}',
  'exec "$@"',
  '<<EOF\nvllm serve x\nEOF',
];

const NAMES = ['docker-compose.yml', 'deploy.yaml', 'run.sh', 'Modelfile', 'serve.py', 'x.modelfile', 'launch.bash', '.dstack.yml', 'values.yaml'];

const text = fc
  .array(
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...LINES) },
      { weight: 2, arbitrary: fc.constantFrom(...FRAGMENTS) },
      { weight: 1, arbitrary: hostileString },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...LINES), hostileString, fc.nat()).map(([line, bad, at]) => line.slice(0, at % (line.length + 1)) + bad + line.slice(at % (line.length + 1))) },
    ),
    { minLength: 0, maxLength: 40 },
  )
  .map((lines) => lines.join('\n'));

const validateCase = fc.record({ name: fc.constantFrom(...NAMES), text, gpus: fc.option(fc.constantFrom('8xA100-80G', '1xH100', '2xL4'), { freq: 2 }) });

const shown = (c: { name: string; text: string }) => `${c.name}:\n${c.text.length > 3000 ? `${c.text.slice(0, 3000)}… (${c.text.length} chars)` : c.text}`;

describe('fuzz: validate', () => {
  it(
    'generated deployment files are checked: exit 0/1/2, JSON report, one error line',
    async () => {
      await assertReaches(validateCase, runs(250), [0, 1], async (c) => {
        const file = join(caseDir('validate'), c.name);
        writeFileSync(file, c.text);
        const outcome = await runInProcess(['validate', file, '--format', 'json', ...(c.gpus ? ['--gpus', c.gpus] : [])]);
        checkOutcome(outcome, shown(c));
        return [outcome.code];
      });
    },
    budget(60_000),
  );

  it(
    'the shipped bundle under the heap and time guard',
    () => {
      fc.assert(
        fc.property(validateCase, (c) => {
          const dir = caseDir('validate');
          writeFileSync(join(dir, c.name), c.text);
          // The directory, not the file: the walk and the kind detection run too.
          checkOutcome(runSpawned(['validate', dir, '--format', 'json']), shown(c));
        }),
        { numRuns: runs(4) },
      );
    },
    budget(30_000),
  );
});
