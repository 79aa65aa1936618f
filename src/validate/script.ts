/** Server launches in shell scripts: line continuations, quoting and variables as bash reads them. */
import { parse } from 'shell-quote';
import { commandText } from '../formats/shell.js';
import type { OllamaService } from './compose.js';
import type { Findings } from './finding.js';
import { dockerRunLaunches } from './docker-run.js';
import { launchFromArgv, type LaunchContext, type ServerLaunch, type Token } from './launch.js';

const OPERATORS = new Set(['&&', '||', ';', '|', '&', ';;', '(', ')']);
/** Redirections end the arguments too (`> vllm.log 2>&1`). */
const REDIRECTS = new Set(['>', '>>', '<', '>&', '<&', '&>', '|&', '<(', '>(']);

/** `${NAME:-x}` and friends, which shell-quote does not parse, become `$NAME`: a value only known at run time. */
function simplifyExpansions(command: string): string {
  return (
    command
      .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}/g, '$$$1')
      // `$(pwd)` and backticks: a value known at run time, not a `(` that splits the command.
      .replace(/\$\([^()]*\)/g, '$$CMD')
      .replace(/`[^`]*`/g, '$$CMD')
      // `--model <model-path>` in documentation samples is a value to fill in, not a redirection.
      .replace(/(^|[\s=])<[A-Za-z][\w.:/-]*>(?=[\s"'\\]|$)/gm, '$1$$PLACEHOLDER')
  );
}

/** Words of one command with the line each starts on (found by scanning the raw text). */
export function commandTokens(text: string, firstLine: number): Token[] {
  const words = parse(simplifyExpansions(text), (name) => `$${name}`);
  const tokens: Token[] = [];
  let cursor = 0;
  // Newlines before `counted`, kept as the cursor moves on: counting from the start for every word was quadratic.
  let counted = 0;
  let newlines = 0;
  const linesBefore = (offset: number) => {
    for (; counted < offset; counted++) if (text.charCodeAt(counted) === 10) newlines++;
    return newlines;
  };
  for (const word of words) {
    let value: string;
    if (typeof word === 'string') value = word;
    else if ('op' in word) value = word.op === 'glob' ? word.pattern : word.op;
    else continue;
    if (value === '') continue;
    const at = text.indexOf(value, cursor);
    const start = at >= 0 ? at : cursor;
    const line = firstLine + linesBefore(start);
    if (at >= 0) cursor = at + value.length;
    tokens.push({ text: value, line });
  }
  return tokens;
}

/** Each command of a script with its first line, comments and blank lines skipped. */
export function scriptCommands(script: string, firstLine = 1): { text: string; line: number }[] {
  const commands: { text: string; line: number }[] = [];
  let offset = 0;
  let line = firstLine;
  // Sticky: matched where the last command ended, without copying the rest of the script each time.
  const blankLine = /[ \t]*(#[^\n]*)?\n/y;
  while (offset < script.length) {
    blankLine.lastIndex = offset;
    const blank = blankLine.exec(script);
    if (blank) {
      offset += blank[0].length;
      line++;
      continue;
    }
    const text = commandText(script, offset);
    commands.push({ text, line });
    offset += text.length + 1;
    line += (text.match(/\n/g)?.length ?? 0) + 1;
  }
  return commands;
}

/**
 * `CMD="vllm serve … --flag"` or `CMD=(vllm serve …)`: a command kept in a variable, as bash
 * stores it (the escapes of double quotes removed).
 */
function commandAssignment(text: string): { name: string; text: string } | null {
  const match = /^\s*(?:(?:export|local|readonly|declare(?:\s+-a)?)\s+)?([A-Za-z_]\w*)=(?:"((?:[^"\\]|\\[\s\S])*)"|'([^']*)'|\(([^()]*)\))/.exec(text);
  if (!match?.[1]) return null;
  const quoted = match[2];
  // Backslash-newline stays: the command is read with its continuations, and its lines stay right.
  // An array's words may have comments between them.
  const value = quoted !== undefined ? quoted.replace(/\\(["\\$`])/g, '$1') : (match[3] ?? (match[4] ?? '').replace(/(^|\s)#[^\n]*/g, '$1'));
  return { name: match[1], text: value };
}

/** `eval "$CMD"`, `exec $CMD`, `"${CMD[@]}" &`: the command the variable holds, at the line it was written. */
function expandedCommand(command: { text: string; line: number }, assigned: ReadonlyMap<string, { text: string; line: number }>): { text: string; line: number } {
  const use = /^\s*(?:(?:eval|exec|nohup)\s+)*"?\$\{?([A-Za-z_]\w*)(?:\[[@*]\])?\}?"?(?=\s|$)/.exec(command.text);
  const held = use?.[1] ? assigned.get(use[1]) : undefined;
  if (!use || !held) return command;
  return { text: `${held.text}${command.text.slice(use[0].length)}`, line: held.line };
}

/** Launches in a shell script; a command shell-quote cannot read is reported, not fatal. */
/** `ollama`: where Ollama servers started by `docker run ollama/ollama` are added. */
export function scriptLaunches(script: string, findings: Findings, context: LaunchContext, firstLine = 1, ollama: OllamaService[] = []): ServerLaunch[] {
  const launches: ServerLaunch[] = [];
  let previous: ServerLaunch | null = null;
  const assigned = new Map<string, { text: string; line: number }>();
  for (const written of scriptCommands(script, firstLine)) {
    const assignment = commandAssignment(written.text);
    if (assignment) assigned.set(assignment.name, { text: assignment.text, line: written.line });
    const command = expandedCommand(written, assigned);
    // A command that starts with an option right after a server launch: the `\` that should join
    // them is missing or followed by a space, so bash runs these options as a command of their own.
    if (previous && /^\s*--?[A-Za-z]/.test(command.text)) {
      const option = command.text.trim().split(/\s+/)[0] ?? '';
      findings.add(
        'error',
        command.line,
        'broken-continuation',
        `${option} … starts a command of its own: the line before does not end in a bare \\, so the server started without these options (and bash reports "${option}: command not found")`,
        'end the line before with \\ and nothing after it',
      );
    }
    previous = null;
    let tokens: Token[];
    try {
      tokens = commandTokens(command.text, command.line);
    } catch (error) {
      findings.add('warning', command.line, 'unparsed-command', `could not read this command: ${(error as Error).message}`);
      continue;
    }
    // `NAMES=(llama-server vllm)` assigns an array: its words are data, not a command.
    for (let i = 0; i < tokens.length; i++) {
      if (tokens[i]?.text === '(' && tokens[i - 1]?.text.endsWith('=')) {
        const close = tokens.findIndex((t, j) => j > i && t.text === ')');
        tokens.splice(i, (close < 0 ? tokens.length : close + 1) - i);
      }
    }
    // A server launch ends at the first operator (`&&`, `;`, a pipe).
    for (let start = 0; start < tokens.length; ) {
      let end = tokens.findIndex((t, i) => i >= start && OPERATORS.has(t.text));
      if (end < 0) end = tokens.length;
      const redirect = tokens.findIndex((t, i) => i >= start && i < end && REDIRECTS.has(t.text));
      // `2>&1`: the 2 is the file descriptor of the redirection, not an argument.
      const argsEnd = redirect < 0 ? end : /^\d$/.test(tokens[redirect - 1]?.text ?? '') && redirect - 1 > start ? redirect - 1 : redirect;
      const argv = tokens.slice(start, argsEnd);
      const inContainer = dockerRunLaunches(argv, findings, ollama);
      if (inContainer) {
        launches.push(...inContainer);
        previous = inContainer[0] ?? previous;
      } else {
        const launch = launchFromArgv(argv, context);
        if (launch) launches.push(launch);
        previous = launch ?? previous;
      }
      start = end + 1;
    }
  }
  return launches;
}
