/**
 * The only ways a value reaches a rendered file. Each function returns text that
 * the target parser reads back as exactly the input and that nothing executes:
 * a model name with quotes, spaces, `$()`, backticks or newlines stays data.
 */
import YAML from 'yaml';
import { goIsPrint } from '../formats/go-runes.js';
import { displayText } from '../formats/modelfile.js';
import { terminalSafe, UserError } from '../util/errors.js';

/** Words POSIX shells read literally without quotes (Python's shlex.quote set). */
const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * One shell word, single-quoted when it needs quoting (`'` becomes `'"'"'`).
 * shell-quote's quote() backslash-escapes `=`, `:` and `~` instead (`--x\=1`), which
 * is correct but unreadable and trips shellcheck's SC1001; shell-quote's parse()
 * is what reads the result back (render/verify.ts).
 */
export function shellWord(value: string | number | boolean): string {
  const text = String(value);
  if (SHELL_SAFE.test(text)) return text;
  return `'${text.replaceAll("'", `'"'"'`)}'`;
}

/**
 * A command as script lines: the program and its positional arguments on the first,
 * then one `--flag value…` group per line (the caller joins them with ` \`).
 */
export function shellLines(argv: readonly string[]): string[] {
  const lines: string[][] = [[]];
  for (const word of argv) {
    const line = lines[lines.length - 1] as string[];
    if (word.startsWith('-') && line.length > 0) lines.push([word]);
    else line.push(word);
  }
  return lines.map(shellWords);
}

/** Several words joined for one command line. */
export function shellWords(values: readonly (string | number | boolean)[]): string {
  return values.map(shellWord).join(' ');
}

/** Plain YAML scalars gpuplan leaves unquoted: a letter, slash or `--flag` first, no indicators. */
const YAML_PLAIN = /^(?:--?[A-Za-z]|[A-Za-z/])[A-Za-z0-9_./@+-]*$/;

// Characters YAML 1.1 readers (PyYAML, docker-compose v1) treat as line breaks or that
// are not printable: escape them so every YAML reader sees one line.
const YAML_UNSAFE = /[\u007f-\u009f\u2028\u2029\ufeff]/g;

/**
 * A YAML scalar that YAML 1.1 (PyYAML) and 1.2 (go-yaml, yaml) readers both read back
 * as the same string: plain when unambiguous, otherwise double-quoted with JSON
 * escapes (a subset of YAML's). Numbers and booleans are written as themselves.
 */
export function yamlScalar(value: string | number | boolean): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`yamlScalar: ${value} is not a finite number`);
    return String(value);
  }
  if (typeof value === 'boolean') return String(value);
  if (YAML_PLAIN.test(value) && readsAsItself(value)) return value;
  return JSON.stringify(value).replace(YAML_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `on`, `yes`, `null`, `y`… are booleans or null to some YAML reader: quote them. */
function readsAsItself(text: string): boolean {
  return YAML.parse(text, { version: '1.1' }) === text && YAML.parse(text) === text && !/^(y|n)$/i.test(text);
}

/**
 * A string scalar in a compose file. Compose interpolates `$VAR` and `${VAR}` in
 * every value, so a literal `$` is written `$$` (compose-spec "Interpolation").
 */
export function composeString(value: string | number | boolean): string {
  return yamlScalar(typeof value === 'string' ? value.replaceAll('$', '$$$$') : value);
}

/** Markdown text on one line: no markup, no HTML, no table-cell breaks. */
/**
 * A Compose string in double quotes in which each `<NAME>` becomes `${NAME:?set NAME}`
 * (Compose refuses to start until it is set); everything else is literal (`$` → `$$`).
 * JSON string syntax is valid YAML double-quoted syntax.
 */
export function composeWithVariables(value: string): string {
  return JSON.stringify(value.replaceAll('$', '$$$$')).replace(/<([A-Z_][A-Z0-9_]*)>/g, (_, name: string) => `\${${name}:?set ${name} on each node}`);
}

/** Markdown text on one line; control characters (a model name with ESC sequences) shown as `\u001b`, so `cat PLAN.md` is inert. */
export function markdownText(value: string | number): string {
  return terminalSafe(
    String(value)
      .replace(/[\r\n]+/g, ' ')
      .replace(/[\\`*_[\]<>|#~!]/g, (c) => `\\${c}`),
  );
}

/**
 * Punctuation a Mermaid label or title keeps, besides letters, marks, digits and spaces. Left
 * out on purpose: `"` (ends a quoted label; quadrantChart has no escape for it), `\` (escapes
 * the closing quote of a pie label), `%` (`%%` starts a comment, and Mermaid applies a
 * `%%{init: …}%%` directive wherever it appears in the text), `#` and `;` (entity codes such as
 * `#quot;`, statement ends), `` ` `` (markdown strings, and the fence around the block), and
 * `<>{}[]|` (HTML, directives, point syntax).
 */
const MERMAID_PUNCTUATION = " .,:/+\\-_()×·'$@=!?*~…–—−≥≤";

/** One character of Mermaid text (mermaidText), for the parse-back in verify.ts. */
export const MERMAID_TEXT_CHARACTER = `[\\p{L}\\p{M}\\p{N}${MERMAID_PUNCTUATION}]`;

const MERMAID_OTHER = new RegExp(`(?!${MERMAID_TEXT_CHARACTER}).`, 'gsu');

/** Longest label or title part gpuplan writes into a chart, in characters. */
const MERMAID_TEXT_MAX = 60;

/**
 * Text for a Mermaid label or title: one line (line breaks, tabs and control characters become
 * spaces), only MERMAID_TEXT_CHARACTER (anything else becomes `?`), at most `max` characters
 * (then `…`), never empty. The same text is inert unquoted after `title` and inside `"…"`
 * in the pie and quadrantChart grammars, so nothing a model name holds reaches Mermaid as syntax.
 */
export function mermaidText(value: string | number, max = MERMAID_TEXT_MAX): string {
  const text = String(value)
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\s]+/gu, ' ')
    .replace(MERMAID_OTHER, '?')
    .replace(/ {2,}/g, ' ')
    .trim();
  const characters = [...text];
  const shown =
    characters.length > max
      ? `${characters
          .slice(0, max - 1)
          .join('')
          .trimEnd()}…`
      : text;
  return shown === '' ? '?' : shown;
}

/** A quoted Mermaid label: `"` + mermaidText + `"`. */
export function mermaidLabel(value: string | number, max = MERMAID_TEXT_MAX): string {
  return `"${mermaidText(value, max)}"`;
}

/** A code fence longer than any run of backticks inside `body`. */
export function codeFence(body: string): string {
  const longest = Math.max(0, ...Array.from(body.matchAll(/`+/g), (m) => m[0].length));
  return '`'.repeat(Math.max(3, longest + 1));
}

/** How a value is shown in an error: escaped (no raw control or invisible characters), and not too long. */
function shownValue(text: string): string {
  const shown = displayText(text);
  return shown.length > 160 ? `${shown.slice(0, 150)}…" (${[...text].length} characters)` : shown;
}

/**
 * A Modelfile argument (FROM, PARAMETER values) that Ollama's parser (formats/modelfile.ts,
 * a port of its parser/parser.go) reads back as exactly `value`, or a UserError.
 *
 * Refused: any rune Go's strconv.IsPrint rejects. Ollama drops those from a value without a
 * word, so `x"` + U+200B + a line break + `FROM evil` would close the quote early and start
 * an instruction of its own; the same holds for ESC, NUL, NEL, U+00A0, U+2028, U+FEFF…
 * Line breaks (and tabs, which are not printable either) are refused with them: a
 * Modelfile value gpuplan writes is one line, so its closing quote ends that line.
 *
 * Otherwise the value is written bare when Ollama reads it as is (not empty, no outer
 * spaces, no leading `"`); else in `"…"`; else, when it starts with `""` or is `"` (which
 * `"…"` would turn into an opening `"""`), in `"""…"""`. Nothing inside quotes is escaped
 * or unescaped by Ollama, so any printable text fits.
 */
export function modelfileValue(value: string | number | boolean): string {
  const text = String(value);
  for (const c of text) {
    const r = c.codePointAt(0) as number;
    if (!goIsPrint(r)) {
      const code = `U+${r.toString(16).toUpperCase().padStart(4, '0')}`;
      const what = r === 0x0a || r === 0x0d ? `a line break (${code})` : r === 0x09 ? 'a tab (U+0009)' : `${displayText(c)} (${code}), which Ollama's Modelfile parser silently drops`;
      throw new UserError(`cannot write ${shownValue(text)} into a Modelfile: it contains ${what}; a hand-edited or hostile plan?`);
    }
  }
  const bare = text !== '' && !text.startsWith(' ') && !text.endsWith(' ') && !text.startsWith('"');
  if (bare) return text;
  return text === '"' || text.startsWith('""') ? `"""${text}"""` : `"${text}"`;
}

/** PARAMETER names: Ollama reads [A-Za-z0-9_] up to one space; anything else is refused. */
export function modelfileParameterName(name: string): string {
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new UserError(`cannot write ${shownValue(name)} as a Modelfile PARAMETER name: Ollama's names are letters, digits and _`);
  return name;
}
