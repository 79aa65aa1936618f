/**
 * The quoting helpers against the real readers: bash for shell words, the yaml
 * package under YAML 1.1 and 1.2 rules for YAML, compose interpolation, and the
 * port of Ollama's Modelfile parser. Hostile strings come from fast-check.
 */
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { interpolate } from '../../src/formats/compose.js';
import { goIsPrint } from '../../src/formats/go-runes.js';
import { parseModelfile } from '../../src/formats/modelfile.js';
import { UserError } from '../../src/util/errors.js';
import { shellArgv } from '../../src/formats/shell.js';
import { codeFence, composeString, markdownText, modelfileValue, shellLines, shellWord, shellWords, yamlScalar } from '../../src/render/quote.js';

/** Strings built from the characters that break quoting: quotes, $, backticks, newlines, backslashes, YAML and Markdown indicators. */
const hostile = fc.string({
  unit: fc.oneof(
    fc.constantFrom("'", '"', '$', '(', ')', '`', '\\', '\n', '\r', '\t', ' ', '#', ':', '-', '{', '}', '[', ']', '|', '>', '!', '&', ';', '*', '~', '%', '@', ',', '?', '\u2028', '\u0085', 'é'),
    fc.constantFrom('a', 'b', 'on', 'yes', 'null', '0', '1', '.', '/', '_', '=', '$(touch /tmp/gpuplan-pwned)', '${HOME}', '`id`'),
  ),
  maxLength: 30,
});

const EVIL = ["it's", 'a "b" c', '$(touch /tmp/gpuplan-pwned)', '`touch /tmp/gpuplan-pwned`', 'line\nbreak', '${HOME}', 'on', '8', '-rf', ''];

/** What bash itself makes of a command line: one NUL-terminated argument per word. */
function bashArgv(commandLine: string): string[] {
  const run = spawnSync('bash', ['-c', `printf '%s\\0' ${commandLine}`], { encoding: 'utf8' });
  expect(run.status).toBe(0);
  return run.stdout.split('\0').slice(0, -1);
}

describe('shellWord', () => {
  it('bash reads every quoted word back unchanged and runs nothing (fast-check, 200 runs)', () => {
    fc.assert(
      fc.property(
        fc.array(
          hostile.filter((s) => s !== '' && !s.includes('\0')),
          { minLength: 1, maxLength: 5 },
        ),
        (words) => {
          expect(bashArgv(shellWords(words))).toEqual(words);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('shell-quote (what verify uses) agrees with bash', () => {
    fc.assert(
      fc.property(
        fc.array(
          hostile.filter((s) => s !== ''),
          { minLength: 1, maxLength: 5 },
        ),
        (words) => {
          expect(shellArgv(shellWords(words))).toEqual(words);
        },
      ),
    );
  });

  it('leaves plain words bare and quotes the rest', () => {
    expect(shellWord('--tensor-parallel-size')).toBe('--tensor-parallel-size');
    expect(shellWord('deepseek-ai/DeepSeek-R1')).toBe('deepseek-ai/DeepSeek-R1');
    expect(shellWord("it's")).toBe(`'it'"'"'s'`);
    expect(shellWord('$(x)')).toBe("'$(x)'");
    expect(shellWord('')).toBe("''");
  });

  it('shellLines puts each --flag and its values on one line', () => {
    expect(shellLines(['vllm', 'serve', 'm', '--tp', '8', '--x'])).toEqual(['vllm serve m', '--tp 8', '--x']);
  });
});

describe('yamlScalar', () => {
  it('YAML 1.1 and 1.2 readers both read it back as the same string (fast-check)', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const text = `key: ${yamlScalar(s)}\n`;
        expect(YAML.parse(text).key).toBe(s);
        expect(YAML.parse(text, { version: '1.1' }).key).toBe(s);
      }),
      { numRuns: 300 },
    );
  });

  it('quotes strings some reader would take for a bool, number or null', () => {
    for (const s of ['on', 'yes', 'No', 'y', 'null', '~', '8', '0.9', '1_000', '0x1f', '.inf', '2024-01-01']) {
      expect(yamlScalar(s)).toMatch(/^"/);
    }
    expect(yamlScalar('deepseek-ai/DeepSeek-R1')).toBe('deepseek-ai/DeepSeek-R1');
    expect(yamlScalar('--port')).toBe('--port');
    expect(yamlScalar(8)).toBe('8');
  });
});

describe('composeString', () => {
  it('Compose interpolation leaves the value as it was: every $ is escaped (fast-check)', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        expect(interpolate(YAML.parse(`k: ${composeString(s)}`).k)).toBe(s);
      }),
    );
  });

  it('a variable reference written by a template still interpolates', () => {
    expect(interpolate('${HF_TOKEN:-}')).toBe('<HF_TOKEN>');
    expect(interpolate('$$(x)')).toBe('$(x)');
    expect(() => interpolate('$(x)')).toThrow(/invalid interpolation/);
  });
});

describe('modelfileValue', () => {
  it("Ollama's parser reads single-line values back unchanged, or the value is refused", () => {
    fc.assert(
      fc.property(
        hostile.filter((s) => !/[\r\n]/.test(s)),
        (s) => {
          let rendered: string;
          try {
            rendered = modelfileValue(s);
          } catch (error) {
            // Only text with a rune Ollama drops or a tab is refused (test/render/modelfile-injection.test.ts).
            expect(error).toBeInstanceOf(UserError);
            expect([...s].some((c) => !goIsPrint(c.codePointAt(0) as number))).toBe(true);
            return;
          }
          const [command] = parseModelfile(`FROM base\nPARAMETER stop ${rendered}\n`).commands.slice(1);
          expect(command?.args).toBe(s);
        },
      ),
    );
  });
});

describe('markdown', () => {
  it('markdownText keeps a value on one line with no live markup', () => {
    expect(markdownText('a|b\n# c `d` <e>')).toBe('a\\|b \\# c \\`d\\` \\<e\\>');
  });

  it('codeFence is longer than any backtick run inside', () => {
    expect(codeFence('plain')).toBe('```');
    expect(codeFence('a ```` b')).toBe('`````');
  });
});

it.each(EVIL)('every helper keeps %j inert', (s) => {
  if (s !== '') expect(bashArgv(shellWord(s))).toEqual([s]);
  expect(YAML.parse(`k: ${yamlScalar(s)}`).k).toBe(s);
  expect(interpolate(YAML.parse(`k: ${composeString(s)}`).k)).toBe(s);
});
