/**
 * Server launches in Python launchers: the command strings (`os.system("vllm serve …")`,
 * `subprocess.Popen(f"python3 -m sglang.launch_server --model {path} …", shell=True)`, Modal
 * and Ray apps) and argv lists (`cmd = ["vllm", "serve", model, "--tensor-parallel-size", str(tp)]`,
 * grown with `cmd += [...]`, `cmd.extend([...])`, `cmd.append("…")`) a Python file hands to a shell or
 * to subprocess. A value computed at run time (`{model_path}`, `str(tp)`) is a `$PY` word: known
 * only then, so not checked. Docstrings and strings printed or logged are documentation, not launches.
 */
import type { Findings } from './finding.js';
import { launchFromArgv, type LaunchContext, type ServerLaunch, type Token } from './launch.js';
import { scriptLaunches } from './script.js';

/** Text that can start one of the servers gpuplan checks. */
export const LAUNCH_MARKER = /\bvllm["',\s]+serve\b|vllm\.entrypoints\.openai\.api_server|sglang\.launch_server|llama-server/;

interface Literal {
  start: number;
  end: number;
  line: number;
  /** The string's value, Python escapes decoded; `{expr}` of an f-string as `$PY`. */
  value: string;
}

const PREFIX = /^(?:[rRbBuUfF]{1,2})?$/;

/** Python's escapes in a non-raw literal; backslash-newline joins lines as Python does. */
function decode(body: string, raw: boolean, formatted: boolean): string {
  let text = raw ? body : body.replace(/\\(\n|\\|"|'|n|t)/g, (_m, c: string) => ({ '\n': '', '\\': '\\', '"': '"', "'": "'", n: '\n', t: '\t' })[c] ?? c);
  if (formatted) text = text.replace(/\{\{|\}\}|\{[^{}]*\}/g, (m) => (m === '{{' ? '{' : m === '}}' ? '}' : '$PY'));
  return text;
}

/** Every string literal of a Python source, comments skipped, with the line it starts on. */
function literals(source: string): Literal[] {
  const found: Literal[] = [];
  let line = 1;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\n') line++;
    else if (c === '#') {
      const end = source.indexOf('\n', i);
      i = (end < 0 ? source.length : end) - 1;
    } else if (c === '"' || c === "'") {
      let p = i;
      while (p > 0 && /[A-Za-z]/.test(source[p - 1] ?? '')) p--;
      const prefix = source.slice(p, i);
      if (!PREFIX.test(prefix)) continue;
      const triple = source.startsWith(c.repeat(3), i);
      const quote = triple ? c.repeat(3) : c;
      let j = i + quote.length;
      while (j < source.length && !source.startsWith(quote, j)) {
        if (source[j] === '\\') j++;
        else if (!triple && source[j] === '\n') break;
        j++;
      }
      const body = source.slice(i + quote.length, j);
      const lower = prefix.toLowerCase();
      found.push({ start: p, end: j + quote.length, line, value: decode(body, lower.includes('r'), lower.includes('f')) });
      line += body.split('\n').length - 1;
      i = j + quote.length - 1;
    }
  }
  return found;
}

/**
 * Adjacent literals (`"llama-server " "-m x.gguf"`) and `+` concatenations (`"vllm serve " + model + " --tp 2"`)
 * as the one string Python makes of them; an operand that is not a literal is `$PY`.
 */
function joined(source: string, found: readonly Literal[]): Literal[] {
  const out: Literal[] = [];
  for (const literal of found) {
    const last = out[out.length - 1];
    const gap = last ? source.slice(last.end, literal.start) : '';
    // The gap's line breaks as shell continuations, which join words as Python does and keep the lines right.
    const breaks = '\\\n'.repeat(gap.split('\n').length - 1);
    const operand = /^[\s\\]*$/.test(gap) || /^\s*\+\s*$/.test(gap) ? '' : /^\s*\+\s*[\w.]+(\([\w.,\s]*\))?\s*\+\s*$/.test(gap) ? '$PY' : null;
    if (last && operand !== null) out[out.length - 1] = { ...last, end: literal.end, value: `${last.value}${operand}${breaks}${literal.value}` };
    else out.push(literal);
  }
  return out;
}

/** A docstring, a help text, or a string printed, logged or shown: what a launch looks like, not one. */
function isDocumentation(source: string, literal: Literal): boolean {
  const from = Math.max(0, literal.start - 4000);
  const before = source.slice(from, literal.start).replace(/#[^\n]*$/gm, '');
  const previous = before.trimEnd().slice(-1);
  if (previous === '' || previous === ':' || previous === ';') return true;
  // A statement of its own on its line (previous line complete), not a continuation inside brackets.
  if (/\n[ \t]*$/.test(before) && !/[([{,=+\\"']$/.test(before.trimEnd())) return true;
  const tail = before.slice(-80).replace(/\s+$/, '');
  if (/\b(help|description|desc|doc|epilog|usage|message|msg|title|label|text|comment|summary)\s*=\s*(?:[rRbBuUfF]{1,2})?$/.test(tail)) return true;
  return /\b(print|echo|log|logger\.\w+|logging\.\w+|warn\w*|info|debug|st\.\w+|click\.echo|assert)\s*\(\s*(?:[rRbBuUfF]{1,2})?$/.test(tail);
}

/** The literals of a source by where they start, and which one (if any) covers an offset: binary search, linear overall. */
class LiteralIndex {
  readonly byStart: Map<number, Literal>;
  private readonly newlines: number[] = [];
  constructor(
    readonly all: readonly Literal[],
    source: string,
  ) {
    this.byStart = new Map(all.map((l) => [l.start, l]));
    for (let i = source.indexOf('\n'); i >= 0; i = source.indexOf('\n', i + 1)) this.newlines.push(i);
  }
  lineAt(offset: number): number {
    let lo = 0;
    let hi = this.newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.newlines[mid] as number) < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  }
  covering(offset: number): Literal | null {
    let lo = 0;
    let hi = this.all.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const l = this.all[mid] as Literal;
      if (offset < l.start) hi = mid - 1;
      else if (offset >= l.end) lo = mid + 1;
      else return l;
    }
    return null;
  }
}

/** Top-level elements of a list literal starting at `open`: each a literal's value or `$PY`. */
function listElements(source: string, open: number, strings: LiteralIndex): { words: Token[]; end: number } | null {
  const words: Token[] = [];
  let depth = 0;
  let element = '';
  let elementStart = open + 1;
  const push = (end: number) => {
    const text = element.trim();
    if (text !== '') {
      const at = elementStart + element.indexOf(text);
      const found = strings.byStart.get(at);
      const literal = found && found.end === at + text.length ? found : null;
      const value = literal ? literal.value : text === 'sys.executable' ? 'python3' : text.startsWith('*') ? null : '$PY';
      if (value !== null) words.push({ text: value, line: literal?.line ?? strings.lineAt(at) });
    }
    element = '';
    elementStart = end + 1;
  };
  for (let i = open + 1; i < source.length; i++) {
    const inString = strings.byStart.get(i);
    if (inString) {
      element += source.slice(i, inString.end);
      i = inString.end - 1;
      continue;
    }
    const c = source[i] ?? '';
    if (c === '#') {
      const end = source.indexOf('\n', i);
      i = (end < 0 ? source.length : end) - 1;
      continue;
    }
    if ('([{'.includes(c)) depth++;
    if (')}'.includes(c) || (c === ']' && depth > 0)) depth--;
    else if (c === ']') {
      push(i);
      return { words, end: i };
    }
    if (c === ',' && depth === 0) push(i);
    else element += c;
  }
  return null;
}

/** argv lists: `NAME = [...]` and what `NAME += [...]`, `NAME.extend([...])`, `NAME.append(x)` add, in order. */
function argvLists(source: string, strings: LiteralIndex): Token[][] {
  const lists = new Map<string, Token[]>();
  const order: string[] = [];
  const grow = /\b([A-Za-z_]\w*)\s*(=|\+=)\s*\[|\b([A-Za-z_]\w*)\.(extend|append)\(\s*(\[)?/g;
  for (const match of source.matchAll(grow)) {
    if (strings.covering(match.index)) continue;
    const name = match[1] ?? match[3] ?? '';
    const open = match.index + match[0].length - 1;
    if (match[4] === 'append' || (match[4] === 'extend' && !match[5])) {
      const held = lists.get(name);
      const first = /\S/.exec(source.slice(open + 1, open + 200));
      const literal = first ? (strings.byStart.get(open + 1 + first.index) ?? null) : null;
      if (held && match[4] === 'append') held.push({ text: literal ? literal.value : '$PY', line: literal?.line ?? 1 });
      continue;
    }
    const list = listElements(source, open, strings);
    if (!list) continue;
    if (match[2] === '=') {
      lists.set(name, list.words);
      order.push(name);
    } else lists.get(name)?.push(...list.words);
  }
  // Inline lists handed straight to subprocess (`subprocess.run(["vllm", "serve", …])`).
  for (const match of source.matchAll(/\b(?:run|Popen|call|check_call|check_output|execvp?e?|create_subprocess_exec)\(\s*\[/g)) {
    const list = listElements(source, match.index + match[0].length - 1, strings);
    if (list) {
      lists.set(`@${match.index}`, list.words);
      order.push(`@${match.index}`);
    }
  }
  // A named list is a command only where it is handed to a process (`subprocess.run(cmd`, `Popen(cmd`,
  // `os.execvp(cmd[0], cmd)`, `" ".join(cmd)` for a shell): `issues.append("llama-server")` joined by ", " is data.
  const handed = (name: string) =>
    name.startsWith('@') ||
    new RegExp(`(?:\\b(?:run|Popen|call|check_call|check_output|execv\\w*|spawn\\w*|create_subprocess_exec|shlex\\.join)|["'] ["']\\.join)\\([^()]*?\\*?\\b${name}\\b(?!\\s*\\[)`).test(source);
  return order.filter(handed).map((name) => lists.get(name) ?? []);
}

export function pythonLaunches(source: string, findings: Findings, context: LaunchContext): ServerLaunch[] {
  const strings = joined(source, literals(source));
  const launches: ServerLaunch[] = [];
  for (const literal of strings) {
    if (!LAUNCH_MARKER.test(literal.value) || isDocumentation(source, literal)) continue;
    launches.push(...scriptLaunches(literal.value, findings, context, literal.line));
  }
  for (const argv of argvLists(source, new LiteralIndex(strings, source))) {
    const launch = launchFromArgv(argv, context);
    if (launch) launches.push(launch);
  }
  return launches;
}
