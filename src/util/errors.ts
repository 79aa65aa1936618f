/**
 * An error caused by what the user typed or gave us (a bad id, a malformed file).
 * The CLI prints its one-line message and exits 2; it is never a stack trace.
 */
export class UserError extends Error {
  override readonly name: string = 'UserError';
}

/**
 * Characters that must not reach a terminal as they are: C0 controls but tab and
 * newline, DEL and C1 controls (ESC sequences recolour or retitle the terminal),
 * line separators and the bidirectional overrides that reorder what is shown.
 */
const UNSAFE_FOR_TERMINAL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

/**
 * Text for the terminal with unsafe characters as `\u001b`-style escapes. The escape is
 * JSON's own, so JSON output escaped this way still parses to the same strings.
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE_FOR_TERMINAL, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
}

/** The first character terminalSafe would escape, as `U+001B`, or null. */
export function firstUnsafeCharacter(text: string): string | null {
  const found = new RegExp(UNSAFE_FOR_TERMINAL.source).exec(text);
  return found ? `U+${(found[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}` : null;
}

/** Longest error line printed: a 400-digit model name is cut, not echoed whole. */
const MAX_ERROR_LINE = 1000;

/** An error message as one terminal-safe line of bounded length; a long one loses its middle, so the reason at its end stays. */
export function oneLine(message: string): string {
  const line = terminalSafe(message.replace(/\r?\n/g, ' ').replace(/\t/g, ' '));
  if (line.length <= MAX_ERROR_LINE) return line;
  const keep = (MAX_ERROR_LINE - 1) / 2;
  return `${line.slice(0, Math.ceil(keep))}…${line.slice(-Math.floor(keep))}`;
}
