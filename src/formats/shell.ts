/** Reading commands back out of shell scripts, with shell-quote doing the word splitting. */
import { parse, type ParseEntry } from 'shell-quote';

/**
 * The text of one command starting at `start`: up to the first newline that is
 * neither inside quotes or an array assignment's parentheses nor escaped by a backslash (a line continuation).
 */
export function commandText(script: string, start: number): string {
  let quote: '"' | "'" | null = null;
  // `CMD=(vllm serve …` with its words on the following lines: an array assignment runs to its `)`.
  let arrays = 0;
  for (let i = start; i < script.length; i++) {
    const c = script[i];
    if (quote === "'") {
      if (c === "'") quote = null;
    } else if (c === '\\') {
      i++;
    } else if (quote === '"') {
      if (c === '"') quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#' && (i === start || /\s/.test(script[i - 1] ?? ''))) {
      // A comment runs to the end of the line; its quotes are not quotes.
      const end = script.indexOf('\n', i);
      if (arrays > 0 && end >= 0) {
        i = end - 1; // a comment between an array's words
        continue;
      }
      return script.slice(start, end < 0 ? script.length : end);
    } else if (c === '(' && script[i - 1] === '=') {
      arrays++;
    } else if (c === ')' && arrays > 0) {
      arrays--;
    } else if (c === '\n' && arrays === 0) {
      return script.slice(start, i);
    }
  }
  return script.slice(start);
}

/** Shell words of a command; operators as their text (`&&`), variables as `<NAME>`. */
export function shellArgv(command: string): string[] {
  const entries: ParseEntry[] = parse(command, (name) => `<${name}>`);
  return entries.flatMap((entry) => {
    if (typeof entry === 'string') return entry === '' ? [] : [entry];
    if ('op' in entry) return entry.op === 'glob' ? [entry.pattern] : [entry.op];
    return [];
  });
}

/** The argv of every `exec …` command in a script that shell-quote can read, in order. */
export function execCommands(script: string): string[][] {
  const found: string[][] = [];
  for (const match of script.matchAll(/^[ \t]*exec[ \t]/gm)) {
    try {
      found.push(shellArgv(commandText(script, match.index)).slice(1));
    } catch {
      // ${var:?message} and other expansions shell-quote does not model: not a server launch.
    }
  }
  return found;
}
