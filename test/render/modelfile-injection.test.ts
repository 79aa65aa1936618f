/**
 * Issue 15, Modelfile injection: Ollama's parser drops every rune strconv.IsPrint rejects, so
 * `x"` + U+200B + a line break + `FROM attacker/evil-model` closes the quote early and adds
 * a FROM. formats/modelfile.ts now reads Modelfiles as Ollama does, and modelfileValue
 * refuses what Ollama would not read back as written.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { goIsPrint, goTrimSpace } from '../../src/formats/go-runes.js';
import { ModelfileError, modelfileRunes, parseModelfile } from '../../src/formats/modelfile.js';
import type { PlanResult } from '../../src/planner/schema.js';
import { modelfileParameterName, modelfileValue } from '../../src/render/quote.js';
import { renderPlan } from '../../src/render/render.js';
import { UserError } from '../../src/util/errors.js';
import { createValidator, validateFile } from '../../src/validate/validate.js';
import { gpuplan } from '../cli/run.js';
import { writeTinyGguf } from '../fixtures/gguf/write-gguf.js';
import { catalog } from '../helpers.js';
import { examplePlan } from './fixtures.js';

/** Runes Go's strconv.IsPrint rejects (Go 1.26, Unicode 15.0), each one Ollama drops from a value. */
const DROPPED_RUNES: [string, string][] = [
  ['ZERO WIDTH SPACE', '\u200b'],
  ['ESCAPE', '\u001b'],
  ['NUL', '\u0000'],
  ['NEXT LINE (NEL)', '\u0085'],
  ['NO-BREAK SPACE', '\u00a0'],
  ['LINE SEPARATOR', '\u2028'],
  ['PARAGRAPH SEPARATOR', '\u2029'],
  ['BYTE ORDER MARK', '\ufeff'],
  ['LEFT-TO-RIGHT MARK', '\u200e'],
  ['RIGHT-TO-LEFT OVERRIDE', '\u202e'],
  ['ZERO WIDTH JOINER', '\u200d'],
  ['WORD JOINER', '\u2060'],
  ['SOFT HYPHEN', '\u00ad'],
  ['IDEOGRAPHIC SPACE', '\u3000'],
  ['BELL', '\u0007'],
  ['DELETE', '\u007f'],
  ['private use U+E000', '\ue000'],
  ['TAG LATIN SMALL LETTER A', '\u{e0061}'],
  ['unassigned U+0378', '\u0378'],
  // Assigned in Unicode 15.1: printable to Node 20's ICU, unknown (so dropped) to Go 1.26.
  ['CJK Extension I U+2EBF0', '\u{2ebf0}'],
];

const EVIL_FROM = 'FROM attacker/evil-model';
const injection = (rune: string) => `x"${rune}\n${EVIL_FROM}`;
/** What the vulnerable renderer wrote for PARAMETER num_ctx `injection(rune)`: `"…"` around it. */
const naiveModelfile = (rune: string) => `FROM llama3.1:8b\nPARAMETER num_ctx "${injection(rune)}"\n`;

/** No raw control or invisible character reaches a terminal. */
const printableOnly = (message: string) => [...message].every((c) => goIsPrint(c.codePointAt(0) as number));

describe('the injection, as Ollama reads it', () => {
  it.each(DROPPED_RUNES)('%s: the unguarded Modelfile gains a FROM (what issue 15 reported)', (_name, rune) => {
    const { commands, dropped } = parseModelfile(naiveModelfile(rune));
    expect(commands.map((c) => [c.name, c.args])).toEqual([
      ['model', 'llama3.1:8b'],
      ['num_ctx', 'x'],
      ['model', 'attacker/evil-model"'],
    ]);
    expect(dropped).toEqual([{ line: 2, codePoint: rune.codePointAt(0) }]);
  });

  it('a printable rune in the same place keeps the quote open: one value over two lines', () => {
    const { commands } = parseModelfile(naiveModelfile('·'));
    expect(commands.map((c) => [c.name, c.args])).toEqual([
      ['model', 'llama3.1:8b'],
      ['num_ctx', `x"·\n${EVIL_FROM}`],
    ]);
  });
});

describe('modelfileValue refuses it', () => {
  it.each(DROPPED_RUNES)('%s: UserError naming the value, escaped', (_name, rune) => {
    for (const value of [injection(rune), `x"${rune}`, `${rune}4096`]) {
      let error: unknown;
      try {
        modelfileValue(value);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(UserError);
      const message = (error as Error).message;
      expect(message).toContain(`U+${(rune.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}`);
      expect(printableOnly(message)).toBe(true);
      expect(message).not.toContain('\n');
    }
  });

  it('line breaks and tabs too: a rendered value is one line of printable text', () => {
    for (const value of ['a\nb', 'a\rb', 'a\tb', '\n', `x"\n${EVIL_FROM}`]) expect(() => modelfileValue(value)).toThrow(UserError);
    expect(() => modelfileValue(`x"\n${EVIL_FROM}`)).toThrow(/line break \(U\+000A\)/);
  });

  it('a lone surrogate (written to the file as U+FFFD) is refused', () => {
    expect(() => modelfileValue('a\ud800b')).toThrow(UserError);
  });

  it('PARAMETER names are [A-Za-z0-9_]+', () => {
    expect(modelfileParameterName('num_ctx')).toBe('num_ctx');
    for (const name of ['', 'num ctx', 'num_ctx\u200b', 'num-ctx', 'x\nFROM evil']) expect(() => modelfileParameterName(name)).toThrow(UserError);
  });

  it('printable values of every shape are written so Ollama reads them back exactly', () => {
    const cases: [string, string][] = [
      ['4096', '4096'],
      ['<|eot_id|>', '<|eot_id|>'],
      ['', '""'],
      [' lead', '" lead"'],
      ['"', '"""""""'],
      ['""x', '"""""x"""'],
      ['"quoted"', '""quoted""'],
      ['a "b" c', 'a "b" c'],
      ['### User:', '### User:'],
      ['你好👋', '你好👋'],
    ];
    for (const [value, written] of cases) {
      expect(modelfileValue(value)).toBe(written);
      expect(parseModelfile(`FROM base\nPARAMETER stop ${written}\n`).commands[1]?.args).toBe(value);
    }
  });
});

describe('render refuses a plan carrying it', () => {
  const base = examplePlan('ollama');
  const withNumCtx = (value: string): PlanResult => {
    const plan = structuredClone(base);
    (plan.plan!.settings as Record<string, unknown>).num_ctx = value;
    return plan;
  };

  it.each(DROPPED_RUNES)('%s in num_ctx: UserError, no Modelfile', (_name, rune) => {
    expect(() => renderPlan(withNumCtx(injection(rune)))).toThrow(UserError);
  });

  it('a plan.json edited to carry it: `render --out d` prints one line on stderr, exits 2, writes nothing (built CLI)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpuplan-injection-'));
    // Four runes through the whole CLI (each run spawns Node); all runes go through renderPlan above.
    for (const [index, rune] of ['\u200b', '\u001b', '\u0000', '\u0085'].entries()) {
      const planFile = join(dir, `plan-${index}.json`);
      writeFileSync(planFile, JSON.stringify(withNumCtx(injection(rune)), null, 2));
      const out = join(dir, `d-${index}`);
      const r = gpuplan(['render', planFile, '--out', out]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^gpuplan: cannot write "x\\"\\u[0-9a-f]{4}\\nFROM attacker\/evil-model" into a Modelfile/);
      expect(printableOnly(r.stderr.trim())).toBe(true);
      expect(readdirSync(dir)).not.toContain(`d-${index}`);
    }
  });

  it('a local GGUF whose file name carries it: plan --engine ollama exits 2 (built CLI)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpuplan-injection-gguf-'));
    // A file name holds no `/`: the injected FROM names a library tag instead.
    const file = join(dir, `tiny"\u200b\nFROM attacker:evil.gguf`);
    writeTinyGguf(file);
    const out = join(dir, 'out');
    const r = gpuplan(['plan', '--model', file, '--budget', '4090', '--engine', 'ollama', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot write .*\\u200b.* into a Modelfile/);
    expect(printableOnly(r.stderr.trim())).toBe(true);
    expect(readdirSync(dir)).not.toContain('out');
  });
});

/**
 * Examples from Ollama's own tests, parser/parser_test.go at v0.32.15
 * (b7871fc0d1d82fe109536efa3e0e8e411c766c75), quoted with the results they assert.
 */
describe("Ollama's parser_test.go, v0.32.15", () => {
  const read = (input: string | Uint8Array) => parseModelfile(input).commands.map((c) => ({ Name: c.name, Args: c.args }));

  it('TestParseFileFrom', () => {
    expect(read('FROM "FOO  BAR  "')).toEqual([{ Name: 'model', Args: 'FOO  BAR  ' }]);
    expect(read('FROM "FOO BAR"\nPARAMETER param1 value1')).toEqual([
      { Name: 'model', Args: 'FOO BAR' },
      { Name: 'param1', Args: 'value1' },
    ]);
    expect(read('FROM     FOOO BAR    ')).toEqual([{ Name: 'model', Args: 'FOOO BAR' }]);
    expect(read('FROM /what/is/the path ')).toEqual([{ Name: 'model', Args: '/what/is/the path' }]);
    expect(read('FROM llama3:7b-instruct-q4_K_M')).toEqual([{ Name: 'model', Args: 'llama3:7b-instruct-q4_K_M' }]);
    expect(() => read('')).toThrow(/no FROM line/);
    expect(() => read('PARAMETER param1 value1')).toThrow(/no FROM line/);
    expect(read('PARAMETER param1 value1\nFROM foo')).toEqual([
      { Name: 'param1', Args: 'value1' },
      { Name: 'model', Args: 'foo' },
    ]);
    expect(read('PARAMETER what the \nFROM lemons make lemonade ')).toEqual([
      { Name: 'what', Args: 'the' },
      { Name: 'model', Args: 'lemons make lemonade' },
    ]);
  });

  it('TestParseFileTrimSpace', () => {
    const input =
      '\nFROM "     model 1"\nADAPTER      adapter3\nLICENSE "MIT       "\nPARAMETER param1        value1\nPARAMETER param2    value2\nTEMPLATE """   {{ .System }}\n\n{{ .Response }}   """    \n';
    expect(read(input)).toEqual([
      { Name: 'model', Args: '     model 1' },
      { Name: 'adapter', Args: 'adapter3' },
      { Name: 'license', Args: 'MIT       ' },
      { Name: 'param1', Args: 'value1' },
      { Name: 'param2', Args: 'value2' },
      { Name: 'template', Args: '   {{ .System }}\n\n{{ .Response }}   ' },
    ]);
  });

  it('TestParseFileParametersMissingValue and TestParseFileBadCommand', () => {
    expect(() => read('\nFROM foo\nPARAMETER param1\n')).toThrow(ModelfileError);
    expect(() => read('\nFROM foo\nBADCOMMAND param1 value1\n')).toThrow(/line 3: unknown instruction "BADCOMMAND"/);
  });

  it('TestParseFileMessages', () => {
    expect(read('\nFROM foo\nMESSAGE system You are a file parser. Always parse things.')).toEqual([
      { Name: 'model', Args: 'foo' },
      { Name: 'message', Args: 'system: You are a file parser. Always parse things.' },
    ]);
    expect(read('\nFROM foo\nMESSAGE system """\nYou are a multiline file parser. Always parse things.\n"""\n\t\t\t')).toEqual([
      { Name: 'model', Args: 'foo' },
      { Name: 'message', Args: 'system: \nYou are a multiline file parser. Always parse things.\n' },
    ]);
    expect(() => read("\nFROM foo\nMESSAGE badguy I'm a bad guy!\n")).toThrow(/line 3: MESSAGE role "badguy"/);
    expect(() => read('\nFROM foo\nMESSAGE system\n')).toThrow(ModelfileError);
    expect(() => read('\nFROM foo\nMESSAGE system')).toThrow(ModelfileError);
  });

  it('TestParseFileQuoted', () => {
    const system = (input: string) => read(`\nFROM foo\n${input}`)[1];
    expect(system('SYSTEM """\nThis is a\nmultiline system.\n"""\n\t\t\t')).toEqual({ Name: 'system', Args: '\nThis is a\nmultiline system.\n' });
    expect(system('SYSTEM """This is a\nmultiline system."""\n\t\t\t')).toEqual({ Name: 'system', Args: 'This is a\nmultiline system.' });
    expect(() => system('SYSTEM """This is a multiline system.""\n\t\t\t')).toThrow(ModelfileError);
    expect(() => system('SYSTEM "\n\t\t\t')).toThrow(ModelfileError);
    expect(system('SYSTEM """\nThis is a multiline system with "quotes".\n"""\n')).toEqual({ Name: 'system', Args: '\nThis is a multiline system with "quotes".\n' });
    expect(system('SYSTEM """"""\n')).toEqual({ Name: 'system', Args: '' });
    expect(system('SYSTEM ""\n')).toEqual({ Name: 'system', Args: '' });
    expect(system(`SYSTEM "'"\n`)).toEqual({ Name: 'system', Args: "'" });
    expect(system(`SYSTEM """''"'""'""'"'''''""'""'"""\n`)).toEqual({ Name: 'system', Args: `''"'""'""'"'''''""'""'` });
    expect(system('TEMPLATE """\n{{ .Prompt }}\n"""')).toEqual({ Name: 'template', Args: '\n{{ .Prompt }}\n' });
  });

  it('TestParseFileParameters', () => {
    const cases: [string, string, string][] = [
      ['num_ctx 1', 'num_ctx', '1'],
      ['stop ### User:', 'stop', '### User:'],
      ['stop ### User: ', 'stop', '### User:'],
      ['stop "### User:"', 'stop', '### User:'],
      ['stop "### User: "', 'stop', '### User: '],
      ['stop """### User:"""', 'stop', '### User:'],
      ['stop """### User:\n"""', 'stop', '### User:\n'],
      ['stop <|endoftext|>', 'stop', '<|endoftext|>'],
      ['stop </s>', 'stop', '</s>'],
    ];
    for (const [line, name, value] of cases)
      expect(read(`FROM foo\nPARAMETER ${line}\n`)).toEqual([
        { Name: 'model', Args: 'foo' },
        { Name: name, Args: value },
      ]);
  });

  it('TestParseFileComments', () => {
    expect(read('\n# comment\nFROM foo\n\t')).toEqual([{ Name: 'model', Args: 'foo' }]);
  });

  it('TestParseFileUTF16ParseFile: a UTF-16 BOM switches the decoding, either byte order', () => {
    const data = 'FROM bob\nPARAMETER param1 1\nPARAMETER param2 4096\nSYSTEM You are a utf16 file.\n';
    const expected = [
      { Name: 'model', Args: 'bob' },
      { Name: 'param1', Args: '1' },
      { Name: 'param2', Args: '4096' },
      { Name: 'system', Args: 'You are a utf16 file.' },
    ];
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(data, 'utf16le')]);
    const be = Buffer.from(le);
    be.swap16();
    expect(read(le)).toEqual(expected);
    expect(read(be)).toEqual(expected);
  });

  it('TestParseMultiByte', () => {
    const input = 'FROM test\n\tSYSTEM 你好👋';
    const expected = [
      { Name: 'model', Args: 'test' },
      { Name: 'system', Args: '你好👋' },
    ];
    expect(read(Buffer.from(input, 'utf8'))).toEqual(expected);
    expect(read(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(input, 'utf16le')]))).toEqual(expected);
  });
});

describe('reading bytes as Ollama does (BOMOverride, the x/text UTF-8 decoder, bufio.ReadRune)', () => {
  it('invalid UTF-8: one U+FFFD per maximal subpart, but per byte after a UTF-8 BOM (transform.Nop, then ReadRune)', () => {
    const truncated = Buffer.from([0x61, 0xe2, 0x82, 0x62]);
    expect(modelfileRunes(truncated)).toEqual([0x61, 0xfffd, 0x62]);
    expect(modelfileRunes(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), truncated]))).toEqual([0x61, 0xfffd, 0xfffd, 0x62]);
    // Surrogates and overlongs are invalid either way.
    expect(modelfileRunes(Buffer.from([0xed, 0xa0, 0x80]))).toEqual([0xfffd, 0xfffd, 0xfffd]);
    expect(modelfileRunes(Buffer.from([0xc0, 0xaf]))).toEqual([0xfffd, 0xfffd]);
  });

  it('agrees with TextDecoder on UTF-8 without a BOM', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        if (bytes[0] === 0xef || bytes[0] === 0xfe || bytes[0] === 0xff) return;
        const decoded = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
        expect(modelfileRunes(bytes)).toEqual(Array.from(decoded, (c) => c.codePointAt(0)));
      }),
      { numRuns: 300 },
    );
  });

  it('U+FFFD is printable: an invalid byte stays in the value, it is not dropped', () => {
    expect(parseModelfile(Buffer.from([...Buffer.from('FROM a'), 0xff, ...Buffer.from('b\n')])).commands[0]?.args).toBe('a\ufffdb');
  });
});

describe('strconv.IsPrint and strings.TrimSpace as Go 1.26 has them', () => {
  it("Go's documented cases", () => {
    expect(goIsPrint(0x20)).toBe(true);
    for (const r of [0x00, 0x09, 0x0a, 0x1b, 0x7f, 0x85, 0xa0, 0xad, 0x200b, 0x2028, 0xfeff, 0xd800, 0xe000, 0x10ffff]) expect(goIsPrint(r)).toBe(false);
    for (const r of [0x41, 0xe9, 0x4f60, 0x1f44b, 0xfffd, 0x31350]) expect(goIsPrint(r)).toBe(true);
    expect(goTrimSpace('\u0085\u00a0 x \t\u3000')).toBe('x');
  });

  it('prints a subset of what Node (Unicode 17) calls L, M, N, P, S: only newer assignments differ', () => {
    const nodePrint = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
    const newer: number[] = [];
    const goOnly: number[] = [];
    // Planes 0-3 and 14: the others hold only unassigned and private-use code points, printable to neither.
    const codePoints = [...Array.from({ length: 0x40000 }, (_, r) => r), ...Array.from({ length: 0x1000 }, (_, r) => 0xe0000 + r)];
    for (const r of codePoints) {
      if (r >= 0xd800 && r <= 0xdfff) continue;
      const node = nodePrint.test(String.fromCodePoint(r));
      if (goIsPrint(r) && !node) goOnly.push(r);
      else if (!goIsPrint(r) && node) newer.push(r);
    }
    expect(goOnly).toEqual([]);
    // Unicode 15.1's CJK Extension I, and nothing the two versions classify differently below U+0800.
    expect(newer).toContain(0x2ebf0);
    expect(newer.filter((r) => r < 0x800)).toEqual([]);
  });
});

describe('property: a rendered value is refused, or read back by Ollama as exactly itself', () => {
  // Any code point, lone surrogates included, mixed with the characters that matter to the grammar.
  const anyRune = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('"', '"""', ' ', '#', 'x', 'FROM ', 'é', '👋') },
    { weight: 1, arbitrary: fc.constantFrom('\t', '\n', '\r', '\u200b', '\u0085', '\u00a0', '\u2028', '\ufeff', '\u0000', '\u001b') },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((r) => String.fromCodePoint(r)) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 0x10ffff }).map((r) => String.fromCodePoint(r)) },
  );
  const anyText = fc.array(anyRune, { maxLength: 10 }).map((parts) => parts.join(''));

  it('PARAMETER stop <rendered>: exactly one more command, with exactly the value', () => {
    let readBack = 0;
    fc.assert(
      fc.property(anyText, (s) => {
        let rendered: string;
        try {
          rendered = modelfileValue(s);
        } catch (error) {
          expect(error).toBeInstanceOf(UserError);
          expect(printableOnly((error as Error).message)).toBe(true);
          return;
        }
        const text = `FROM base\nPARAMETER stop ${rendered}\n`;
        // As a string and as the UTF-8 bytes gpuplan writes to disk.
        for (const input of [text, Buffer.from(text, 'utf8')]) {
          const { commands, dropped } = parseModelfile(input);
          expect(commands.map((c) => [c.name, c.args])).toEqual([
            ['model', 'base'],
            ['stop', s],
          ]);
          expect(dropped).toEqual([]);
        }
        readBack++;
      }),
      { numRuns: 1500 },
    );
    // Both outcomes are exercised (about a third of the strings are read back).
    expect(readBack).toBeGreaterThan(300);
    expect(readBack).toBeLessThan(1500);
  });
});

describe('validate reports a Modelfile the way Ollama reads it', () => {
  const v = createValidator(catalog, null);

  it('a dropped rune: a warning on its line, and the value checked without it', () => {
    const report = validateFile('Modelfile', Buffer.from('FROM llama3.1:8b\nPARAMETER num_ctx 8192\u200b\n'), v);
    expect(report.findings.map((f) => [f.severity, f.rule, f.line])).toEqual([['warning', 'modelfile-invisible', 2]]);
    expect(report.findings[0]?.message).toContain('U+200B');
    expect(printableOnly(report.findings[0]?.message ?? '')).toBe(true);
  });

  it('the injection: the value Ollama keeps is checked (here "x", not an integer)', () => {
    const report = validateFile('Modelfile', Buffer.from(naiveModelfile('\u200b')), v);
    const findings = report.findings.map((f) => [f.severity, f.rule, f.line]);
    expect(findings).toContainEqual(['warning', 'modelfile-invisible', 2]);
    expect(findings).toContainEqual(['error', 'modelfile-value', 2]);
  });

  it('the committed broken example reads as Ollama reads it', () => {
    const path = new URL('../fixtures/validate/broken/Modelfile.invisible', import.meta.url);
    const { commands } = parseModelfile(readFileSync(path));
    expect(commands.map((c) => [c.name, c.args])).toEqual([
      ['model', 'llama3.1:8b'],
      ['num_ctx', '4096'],
      ['model', 'attacker/evil-model"'],
    ]);
  });
});
