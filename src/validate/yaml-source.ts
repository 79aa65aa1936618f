/** YAML documents with line numbers, read defensively (alias bombs, duplicate keys, huge files). */
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';
import { COMPOSE_VARIABLES, expandVariables, KUBERNETES_VARIABLES } from '../formats/variables.js';
import { firstDuplicateKey } from '../formats/yaml-keys.js';
import type { Token } from './launch.js';

export interface YamlSource {
  docs: Document.Parsed[];
  line(node: Node | null | undefined): number;
  /** The line of an offset into the text. */
  lineAt(offset: number): number;
  /** The text of a 1-based line. */
  lineText(line: number): string;
}

/** Aliases one file may expand: a "billion laughs" file stops here instead of eating memory. */
export const MAX_ALIASES = 100;

export function readYaml(text: string): YamlSource {
  const lineCounter = new LineCounter();
  // merge: YAML 1.1 `<<: *anchor` keys, which Compose files use for shared blocks (x-common-gpu: &gpu …).
  // Duplicate keys: toData asks firstDuplicateKey, linear where the library's check is quadratic.
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: false, prettyErrors: false, merge: true });
  const list = Array.isArray(docs) ? docs : [docs];
  return {
    docs: list,
    line: (node) => (node?.range ? lineCounter.linePos(node.range[0]).line : 0),
    lineAt: (offset) => lineCounter.linePos(offset).line,
    lineText: (line) => {
      const start = lineCounter.lineStarts[line - 1];
      if (start === undefined) return '';
      const end = text.indexOf('\n', start);
      return text.slice(start, end < 0 ? text.length : end);
    },
  };
}

/** A document as plain data, or the reason it is not readable and the offset it points at. */
export function toData(doc: Document.Parsed): { data: unknown } | { error: string; offset: number | null } {
  const first = doc.errors[0];
  if (first) return { error: first.message.split('\n')[0] ?? 'invalid YAML', offset: first.pos[0] };
  try {
    // kubectl and Compose refuse a repeated key too (`volumes` twice in one pod spec): name it.
    const duplicate = firstDuplicateKey(doc);
    if (duplicate) return { error: `Map keys must be unique: \`${duplicate.key}\` appears twice in one mapping`, offset: duplicate.offset };
    return { data: doc.toJS({ maxAliasCount: MAX_ALIASES }) };
  } catch (error) {
    return { error: (error as Error).message.split('\n')[0] ?? 'invalid YAML', offset: null };
  }
}

/** The node at a path of map keys / sequence indexes, if there is one. */
export function nodeAt(root: unknown, path: readonly (string | number)[]): Node | null {
  let node: unknown = root;
  for (const key of path) {
    if (isMap(node)) node = node.get(key, true);
    else if (isSeq(node) && typeof key === 'number') node = node.get(key, true);
    else return null;
  }
  return (node as Node | undefined) ?? null;
}

/** Compose and Kubernetes both read `$$` as `$`; a variable becomes `$NAME`, a value known only at run time. */
/** `env`: values the file gives (a container's `env` entries, which Kubernetes substitutes for `$(NAME)` in command and args). */
export function unescapeVariables(text: string, kubernetes: boolean, env?: ReadonlyMap<string, string>): string {
  return expandVariables(text, kubernetes ? KUBERNETES_VARIABLES : COMPOSE_VARIABLES, (name) => env?.get(name) ?? `$${name}`).text;
}

/** A sequence of scalars as tokens with their lines (a command or args list). */
export function tokensOf(node: Node | null, source: YamlSource, kubernetes: boolean, env?: ReadonlyMap<string, string>): Token[] | null {
  if (!isSeq(node)) return null;
  return node.items.flatMap((item) => (isScalar(item) && item.value !== null ? [{ text: unescapeVariables(String(item.value), kubernetes, env), line: source.line(item) }] : []));
}
