/**
 * Ollama's Modelfile parser, ported rune for rune from ParseFile in parser/parser.go of
 * ollama/ollama v0.32.15 (commit b7871fc0d1d82fe109536efa3e0e8e411c766c75; the state machine
 * is unchanged since v0.12.6, 1813ff85a027d7d4d76761a2bf12c2198dfaa0cf, but for the
 * instruction list). gpuplan reads rendered and user Modelfiles with it, so it must see
 * what `ollama create` sees, including what Ollama silently drops:
 *
 * - Bytes become runes as unicode.BOMOverride(unicode.UTF8.NewDecoder()) then
 *   bufio.Reader.ReadRune do it (modelfileRunes).
 * - Every rune is first classified by parseRuneForState; a rune that stays in the buffer is
 *   written only if strconv.IsPrint says so. So a non-printable rune (U+200B, ESC, NUL, NEL,
 *   U+00A0, U+2028, U+FEFF…) vanishes from an instruction name's start and from a value:
 *   `"x"` + U+200B at the end of a line is the closed quoted value `x`, and what follows
 *   on the next line is a new instruction.
 * - A value ends at a newline (`\r` or `\n`) once strings.TrimSpace of the buffer unquotes:
 *   it does not start with `"`; or it starts and ends with `"""` and is 6 or more long; or
 *   it starts (not with `"""`) and ends with `"`. The quotes are cut off, nothing is
 *   unescaped. Spaces, tabs and line breaks met inside a value are kept as they are (they
 *   bypass the IsPrint filter).
 * - `#` starts a comment only where an instruction could start; a comment ends at `\r`/`\n`.
 * - PARAMETER names are [A-Za-z0-9_]* and MESSAGE roles [A-Za-z]*, each ended by a single
 *   space or tab (a second one makes the name empty and the value start there).
 */
import { goIsPrint, goTrimSpace } from './go-runes.js';

/** isValidCommand at Ollama v0.32.15 (DRAFT arrived in v0.23.1, REQUIRES in v0.14.0). */
export const MODELFILE_INSTRUCTIONS = ['from', 'license', 'template', 'system', 'adapter', 'draft', 'renderer', 'parser', 'parameter', 'message', 'requires'] as const;
export const MESSAGE_ROLES = ['system', 'user', 'assistant'] as const;

export interface ModelfileCommand {
  /** `model` for FROM (as Ollama names it), the parameter name for PARAMETER, else the instruction in lower case. */
  name: string;
  args: string;
  /** 1-based line of the instruction. */
  line: number;
}

/** A rune Ollama's parser reads and throws away (not printable, outside a comment). */
export interface DroppedRune {
  line: number;
  codePoint: number;
}

export interface Modelfile {
  commands: ModelfileCommand[];
  /** What Ollama silently ignored: nothing in a Modelfile anyone meant to write. */
  dropped: DroppedRune[];
}

export interface ModelfileOptions {
  /** The instructions Ollama's isValidCommand accepts; the newest release's by default. */
  instructions?: readonly string[];
}

export class ModelfileError extends Error {
  override readonly name = 'ModelfileError';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

/** Text for a message: JSON-quoted, with every rune Go would not print as an escape (\u200b), never raw. */
export function displayText(text: string): string {
  return JSON.stringify(text).replace(/[^\x20-\x7e]/gu, (c) => {
    const r = c.codePointAt(0) as number;
    if (goIsPrint(r)) return c;
    return r > 0xffff ? `\\u{${r.toString(16)}}` : `\\u${r.toString(16).padStart(4, '0')}`;
  });
}

const REPLACEMENT = 0xfffd;

/**
 * UTF-8 to runes. `resync` is what an invalid sequence costs: `subpart`, the maximal subpart
 * of an ill-formed sequence becomes one U+FFFD (golang.org/x/text utf8Decoder, "the W3C
 * standard way", as TextDecoder does); `byte`, each invalid byte does (utf8.DecodeRune, which
 * bufio.ReadRune uses). Both reject overlongs, surrogates and runes above U+10FFFF.
 */
function utf8Runes(bytes: Uint8Array, from: number, resync: 'subpart' | 'byte'): number[] {
  const runes: number[] = [];
  let i = from;
  while (i < bytes.length) {
    const lead = bytes[i] as number;
    if (lead < 0x80) {
      runes.push(lead);
      i++;
      continue;
    }
    const size = lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    // The second byte's accept range (utf8 acceptRanges); later bytes are 0x80..0xbf.
    const [low, high] = lead === 0xe0 ? [0xa0, 0xbf] : lead === 0xed ? [0x80, 0x9f] : lead === 0xf0 ? [0x90, 0xbf] : lead === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    let valid = size === 0 ? 0 : 1;
    while (valid < size && i + valid < bytes.length) {
      const b = bytes[i + valid] as number;
      if (valid === 1 ? b < low || b > high : b < 0x80 || b > 0xbf) break;
      valid++;
    }
    if (size !== 0 && valid === size) {
      let r = lead & (0xff >> (size + 1));
      for (let k = 1; k < size; k++) r = (r << 6) | ((bytes[i + k] as number) & 0x3f);
      runes.push(r);
      i += size;
      continue;
    }
    runes.push(REPLACEMENT);
    i += resync === 'byte' ? 1 : Math.max(1, valid);
  }
  return runes;
}

/**
 * UTF-16 to runes as golang.org/x/text utf16Decoder (IgnoreBOM) does: a lead surrogate pairs
 * with a following trail one; two trail surrogates in a row are consumed together as one
 * U+FFFD; any other surrogate, and an odd last byte, is U+FFFD.
 */
function utf16Runes(bytes: Uint8Array, from: number, littleEndian: boolean): number[] {
  const unit = (at: number) => (littleEndian ? (bytes[at] as number) | ((bytes[at + 1] as number) << 8) : ((bytes[at] as number) << 8) | (bytes[at + 1] as number));
  const runes: number[] = [];
  let i = from;
  while (i < bytes.length) {
    if (i + 1 >= bytes.length) {
      runes.push(REPLACEMENT);
      i++;
      continue;
    }
    let r = unit(i);
    let size = 2;
    if (r >= 0xd800 && r <= 0xdfff && i + 3 < bytes.length) {
      const next = unit(i + 2);
      if (next >= 0xdc00 && next <= 0xdfff) {
        // utf16.DecodeRune: a valid pair, else U+FFFD.
        r = r < 0xdc00 ? 0x10000 + ((r - 0xd800) << 10) + (next - 0xdc00) : REPLACEMENT;
        size = 4;
      }
    }
    runes.push(r >= 0xd800 && r <= 0xdfff ? REPLACEMENT : r);
    i += size;
  }
  return runes;
}

/**
 * The runes ParseFile reads. From bytes: a UTF-16 BOM switches to UTF-16, a UTF-8 BOM is
 * skipped and the rest read raw by ReadRune (unicode.BOMOverride hands it to transform.Nop),
 * anything else goes through the UTF-8 decoder first. From a string (what gpuplan writes
 * as UTF-8): a leading U+FEFF is that BOM, and a lone surrogate is written as U+FFFD.
 */
export function modelfileRunes(input: string | Uint8Array): number[] {
  if (typeof input === 'string') {
    const runes = Array.from(input, (c) => {
      const r = c.codePointAt(0) as number;
      return r >= 0xd800 && r <= 0xdfff ? REPLACEMENT : r;
    });
    return runes[0] === 0xfeff ? runes.slice(1) : runes;
  }
  if (input[0] === 0xff && input[1] === 0xfe) return utf16Runes(input, 2, true);
  if (input[0] === 0xfe && input[1] === 0xff) return utf16Runes(input, 2, false);
  if (input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf) return utf8Runes(input, 3, 'byte');
  return utf8Runes(input, 0, 'subpart');
}

type State = 'nil' | 'name' | 'value' | 'parameter' | 'message' | 'comment';

const isAlpha = (r: number) => (r >= 0x61 && r <= 0x7a) || (r >= 0x41 && r <= 0x5a);
const isNumber = (r: number) => r >= 0x30 && r <= 0x39;
const isSpace = (r: number) => r === 0x20 || r === 0x09;
const isNewline = (r: number) => r === 0x0d || r === 0x0a;
const HASH = 0x23;
/** parseRuneForState's "no rune" (Go returns 0, which IsPrint also rejects; NUL is a real rune here). */
const NO_RUNE = -1;
const UNDERSCORE = 0x5f;

/** parseRuneForState: the next state, the rune to keep (NO_RUNE: none), or the error Ollama raises. */
function parseRuneForState(r: number, state: State): [State, number, 'invalid command' | 'unexpected rune' | null] {
  switch (state) {
    case 'nil':
      if (r === HASH) return ['comment', NO_RUNE, null];
      if (isSpace(r) || isNewline(r)) return ['nil', NO_RUNE, null];
      return ['name', r, null];
    case 'name':
      if (isAlpha(r)) return ['name', r, null];
      if (isSpace(r)) return ['value', NO_RUNE, null];
      return ['nil', NO_RUNE, 'invalid command'];
    case 'value':
      if (isNewline(r) || isSpace(r)) return ['nil', r, null];
      return ['value', r, null];
    case 'parameter':
      if (isAlpha(r) || isNumber(r) || r === UNDERSCORE) return ['parameter', r, null];
      if (isSpace(r)) return ['value', NO_RUNE, null];
      return ['nil', NO_RUNE, 'unexpected rune'];
    case 'message':
      if (isAlpha(r)) return ['message', r, null];
      if (isSpace(r)) return ['value', NO_RUNE, null];
      return ['nil', NO_RUNE, 'unexpected rune'];
    case 'comment':
      if (isNewline(r)) return ['nil', NO_RUNE, null];
      return ['comment', NO_RUNE, null];
  }
}

/** Ollama's unquote: `"""x"""` → x, `"x"` → x, anything else as is; false while a quote is open. */
function unquote(s: string): [string, boolean] {
  if (s.startsWith('"""')) return s.length >= 6 && s.endsWith('"""') ? [s.slice(3, -3), true] : ['', false];
  if (s.startsWith('"')) return s.length >= 2 && s.endsWith('"') ? [s.slice(1, -1), true] : ['', false];
  return [s, true];
}

const runeText = (r: number) => displayText(String.fromCodePoint(r));

/** ParseFile of Ollama v0.32.15, with gpuplan's line numbers (an editor's: `\r\n` is one line break). */
export function parseModelfile(input: string | Uint8Array, options: ModelfileOptions = {}): Modelfile {
  const instructions = options.instructions ?? MODELFILE_INSTRUCTIONS;
  const expected = `expected one of ${instructions.join(', ').toUpperCase()}`;
  const commands: ModelfileCommand[] = [];
  const dropped: DroppedRune[] = [];
  const runes = modelfileRunes(input);
  let state: State = 'nil';
  let buffer = '';
  let name = '';
  let role = '';
  let line = 1;
  let start = 1;
  for (let i = 0; i < runes.length; i++) {
    const read = runes[i] as number;
    if (read === 0x0a || (read === 0x0d && runes[i + 1] !== 0x0a)) line++;
    const [parsed, r, error] = parseRuneForState(read, state);
    let next = parsed;
    if (error === 'invalid command') {
      if (!instructions.includes(buffer.toLowerCase())) throw new ModelfileError(`unknown instruction ${displayText(buffer + String.fromCodePoint(read))} (${expected})`, start);
      throw new ModelfileError(`${buffer.toUpperCase()} must be followed by a space and its value on the same line, not ${runeText(read)}`, start);
    }
    if (error === 'unexpected rune') {
      const what = state === 'parameter' ? 'PARAMETER name' : 'MESSAGE role';
      if (isNewline(read)) throw new ModelfileError(`${what} ${displayText(buffer)} has no value`, start);
      throw new ModelfileError(`${runeText(read)} cannot be part of a ${what} (ollama create: unexpected EOF)`, start);
    }
    if (next !== state) {
      // The transitions ParseFile intercepts; some go elsewhere by what the buffer holds.
      switch (state) {
        case 'name': {
          const instruction = buffer.toLowerCase();
          if (!instructions.includes(instruction)) throw new ModelfileError(`unknown instruction ${displayText(buffer)} (${expected})`, start);
          if (instruction === 'from') name = 'model';
          else if (instruction === 'parameter') next = 'parameter';
          else {
            if (instruction === 'message') next = 'message';
            name = instruction;
          }
          break;
        }
        case 'parameter':
          name = buffer;
          break;
        case 'message':
          if (!(MESSAGE_ROLES as readonly string[]).includes(buffer)) throw new ModelfileError(`MESSAGE role ${displayText(buffer)} is not one of ${MESSAGE_ROLES.join(', ')}`, start);
          role = buffer;
          break;
        case 'value': {
          const [value, closed] = unquote(goTrimSpace(buffer));
          // A space or tab, or a line break inside an open quote, is part of the value, unfiltered.
          if (!closed || isSpace(r)) {
            buffer += String.fromCodePoint(r);
            continue;
          }
          commands.push({ name, args: role ? `${role}: ${value}` : value, line: start });
          role = '';
          break;
        }
        case 'nil':
        case 'comment':
          break;
      }
      buffer = '';
      state = next;
      // Only the nil state leads to a name: an instruction starts here.
      if (state === 'name') start = line;
    }
    // The rune the state keeps enters the buffer only if Go would print it: the rest vanish.
    if (goIsPrint(r)) buffer += String.fromCodePoint(r);
    else if (r !== NO_RUNE && !isNewline(r)) dropped.push({ line, codePoint: r });
  }
  // The end of the file flushes a value as a line break would; anything else cut off is an error.
  switch (state) {
    case 'nil':
    case 'comment':
      break;
    case 'value': {
      const [value, closed] = unquote(goTrimSpace(buffer));
      if (!closed) throw new ModelfileError('a quoted value is never closed (ollama create: unexpected EOF)', start);
      commands.push({ name, args: role ? `${role}: ${value}` : value, line: start });
      break;
    }
    case 'name':
      throw new ModelfileError(`${displayText(buffer)} at the end of the file has no value (ollama create: unexpected EOF)`, start);
    case 'parameter':
    case 'message':
      throw new ModelfileError(`${state === 'parameter' ? 'PARAMETER name' : 'MESSAGE role'} ${displayText(buffer)} has no value (ollama create: unexpected EOF)`, start);
  }
  if (!commands.some((c) => c.name === 'model')) throw new ModelfileError('no FROM line', 1);
  return { commands, dropped };
}
