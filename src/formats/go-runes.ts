/**
 * The Go rune predicates Ollama's Modelfile parser relies on, ported from the Go 1.26.0
 * standard library that Ollama v0.32.15 is built with (its go.mod): strconv.IsPrint
 * (src/strconv/quote.go, tables of Unicode 15.0.0 in ./go-isprint.ts) and unicode.IsSpace
 * (src/unicode/graphic.go) as strings.TrimSpace uses it. JavaScript's own \p{…} classes are
 * not used for IsPrint: they follow Node's ICU (Unicode 17 in Node 20.20), which prints
 * characters Go 1.26 does not know, and Ollama drops those.
 */
import { IS_NOT_PRINT16, IS_NOT_PRINT32, IS_PRINT16, IS_PRINT32 } from './go-isprint.js';

/** Go's bsearch16/bsearch32: the first index whose entry is >= x (length when none is). */
function firstAtLeast(table: readonly number[], x: number): number {
  let low = 0;
  let high = table.length;
  while (low < high) {
    const middle = low + ((high - low) >> 1);
    if ((table[middle] as number) < x) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * strconv.IsPrint: letters, marks, numbers, punctuation, symbols (Unicode 15.0.0) and
 * U+0020. Not printable: every other space (U+00A0, U+2000…U+200A, U+3000), U+00AD, the
 * C0/C1 controls (NUL, ESC, NEL…), format characters (U+200B, U+200E, U+FEFF…), line and
 * paragraph separators, surrogates, private use and unassigned code points.
 */
export function goIsPrint(r: number): boolean {
  // Latin-1 fast path, as in Go.
  if (r <= 0xff) {
    if (r >= 0x20 && r <= 0x7e) return true;
    if (r >= 0xa1 && r <= 0xff) return r !== 0xad;
    return false;
  }
  // A rune is printable when it falls in a range of the isPrint table (pairs of first,
  // last) and is not one of the isNotPrint exceptions inside that range.
  if (r < 0x10000) {
    const i = firstAtLeast(IS_PRINT16, r);
    if (i >= IS_PRINT16.length || r < (IS_PRINT16[i & ~1] as number) || (IS_PRINT16[i | 1] as number) < r) return false;
    const j = firstAtLeast(IS_NOT_PRINT16, r);
    return j >= IS_NOT_PRINT16.length || IS_NOT_PRINT16[j] !== r;
  }
  const i = firstAtLeast(IS_PRINT32, r);
  if (i >= IS_PRINT32.length || r < (IS_PRINT32[i & ~1] as number) || (IS_PRINT32[i | 1] as number) < r) return false;
  // The exceptions above U+FFFF all lie in plane 1, stored less 0x10000.
  if (r >= 0x20000) return true;
  const j = firstAtLeast(IS_NOT_PRINT32, r - 0x10000);
  return j >= IS_NOT_PRINT32.length || IS_NOT_PRINT32[j] !== r - 0x10000;
}

/** unicode.IsSpace (White_Space in Unicode 15.0.0). */
export function goIsSpace(r: number): boolean {
  if (r <= 0xff) return r === 0x09 || r === 0x0a || r === 0x0b || r === 0x0c || r === 0x0d || r === 0x20 || r === 0x85 || r === 0xa0;
  return r === 0x1680 || (r >= 0x2000 && r <= 0x200a) || r === 0x2028 || r === 0x2029 || r === 0x202f || r === 0x205f || r === 0x3000;
}

/** strings.TrimSpace: leading and trailing unicode.IsSpace runes removed (all are in the BMP, so code units do). */
export function goTrimSpace(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && goIsSpace(s.charCodeAt(start))) start++;
  while (end > start && goIsSpace(s.charCodeAt(end - 1))) end--;
  return s.slice(start, end);
}
