/**
 * Duplicate mapping keys, found in linear time. The yaml library's own `uniqueKeys`
 * check compares every new key with all earlier ones, so a 2 MB mapping of 180,000
 * keys takes minutes; readers of untrusted YAML parse with `uniqueKeys: false` and
 * ask this instead (one Set per mapping).
 */
import { isAlias, isCollection, isMap, isPair, isScalar, parseDocument, type Document, type Node } from 'yaml';
import { UserError } from '../util/errors.js';

export interface DuplicateKey {
  key: string;
  /** Offset of the second occurrence in the text. */
  offset: number;
}

/** Deepest nesting walked: deeper documents are refused rather than recursed into. */
export const MAX_YAML_DEPTH = 256;

/** A scalar key as the YAML spec compares it: its type and value (`1` and `"1"` differ). */
function keyOf(node: unknown): string | null {
  if (!isScalar(node)) return null;
  const value = node.value;
  return `${typeof value}:${String(value)}`;
}

/** The first repeated key of any mapping in the document (merge keys `<<` may repeat), or null. */
export function firstDuplicateKey(doc: Document): DuplicateKey | null {
  // An explicit stack, not recursion: nesting depth comes from the file.
  const stack: { node: unknown; depth: number }[] = [{ node: doc.contents, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as { node: unknown; depth: number };
    if (depth > MAX_YAML_DEPTH) throw new UserError(`YAML nested deeper than ${MAX_YAML_DEPTH} levels`);
    if (isAlias(node) || !isCollection(node)) continue;
    const seen = new Set<string>();
    for (const item of node.items) {
      if (isPair(item)) {
        if (isMap(node)) {
          const key = keyOf(item.key);
          if (key !== null && key !== 'string:<<') {
            if (seen.has(key)) return { key: String((item.key as { value: unknown }).value), offset: (item.key as Node).range?.[0] ?? 0 };
            seen.add(key);
          }
        }
        stack.push({ node: item.key, depth: depth + 1 }, { node: item.value, depth: depth + 1 });
      } else stack.push({ node: item, depth: depth + 1 });
    }
  }
  return null;
}

/**
 * YAML text from a file the user gave (prices, a catalog) as plain data: aliases
 * capped, duplicate keys refused, every failure one line naming the file.
 */
export function parseUntrustedYaml(text: string, where: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false });
  const first = doc.errors[0];
  if (first) throw new UserError(`${where}: not valid YAML: ${first.message.split('\n')[0]}`);
  const duplicate = firstDuplicateKey(doc);
  if (duplicate) throw new UserError(`${where}: not valid YAML: \`${duplicate.key}\` appears twice in one mapping`);
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new UserError(`${where}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
}
