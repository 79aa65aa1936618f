/** Hostile values the fuzz files share (fast-check arbitraries). */
import fc from 'fast-check';

/** Keys that find Object.prototype's members when a lookup is not own-keys-only. */
export const PROTO_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', '__defineGetter__'] as const;

/** Text with the characters that break terminals, YAML, shells and parsers. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\t\n',
    ...PROTO_KEYS,
    '\u001b[31mred\u001b[0m',
    '\u001b]0;title\u0007',
    '\u0000',
    'a\u0000b',
    '\r\nInjected: yes',
    '\u009b2J',
    '\u007f',
    '\u2028\u2029',
    '\u202eevil',
    '\ufeff',
    '"',
    "'",
    '`id`',
    '$(touch /tmp/pwned)',
    '${HOME}',
    '$HOME',
    '\\',
    '\\\n',
    '"""',
    '---\n- a',
    '{{ .Prompt }}',
    '{{#each x}}',
    '&anchor',
    '*alias',
    '!!python/object:os.system',
    '- -',
    '--help',
    '-v',
    '😀',
    '𝕏',
    'é',
    '\ud800',
    '1e309',
    'NaN',
    'Infinity',
    '-1',
    '0',
    '0x10',
    '9'.repeat(400),
    'x'.repeat(10_000),
    '../../../../etc/passwd',
    '/',
    '.',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0x9f }).map((c) => String.fromCharCode(c)), maxLength: 20 }),
);

/** Numbers a size field must not take at face value. */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -0, -1, 1, 0.5, 1.5, 1e8, 1e9, 1e12, 1e15, 1e21, 1e308, -1e308, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 2 ** 64, Number.MIN_VALUE, Number.EPSILON),
  fc.integer({ min: 1e8, max: 1e15 }),
  fc.integer({ min: -1e9, max: 1e9 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** A JSON value (no undefined, no NaN) of a hostile kind. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileNumber,
    hostileString,
    fc.constant(null),
    fc.boolean(),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...PROTO_KEYS), fc.string({ maxLength: 8 })), tie('value'), { maxKeys: 4 }).map(withOwnKeys),
    fc.constantFrom(
      Array.from({ length: 5000 }, (_, i) => i),
      Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, i])),
    ),
  ),
})).value;

/** A copy whose keys are own, enumerable data properties, `__proto__` included (JSON.stringify writes them). */
export function withOwnKeys(source: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  return out;
}

/** Sets `key` on `target` as an own property, even `__proto__`. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Every path to a value in a JSON tree (objects and arrays), the root excluded, depth-first. */
export function jsonPaths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = [], maxDepth = 8): (string | number)[][] {
  if (prefix.length >= maxDepth || value === null || typeof value !== 'object') return out;
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  for (const [key, child] of entries) {
    const path = [...prefix, key];
    out.push(path);
    jsonPaths(child, path, out, maxDepth);
  }
  return out;
}

export type Mutation = { path: (string | number)[]; op: 'delete' } | { path: (string | number)[]; op: 'set'; value: unknown } | { path: (string | number)[]; op: 'add'; key: string; value: unknown };

/** Applies mutations to a deep copy of `doc` (paths that no longer exist are skipped). */
export function mutate(doc: unknown, mutations: readonly Mutation[]): unknown {
  const root = { v: structuredClone(doc) } as Record<string, unknown>;
  for (const m of mutations) {
    const full: (string | number)[] = ['v', ...m.path];
    let parent: unknown = root;
    for (const key of full.slice(0, -1)) {
      if (parent === null || typeof parent !== 'object' || !Object.hasOwn(parent, key)) {
        parent = undefined;
        break;
      }
      parent = (parent as Record<string | number, unknown>)[key];
    }
    if (parent === null || typeof parent !== 'object') continue;
    const last = full[full.length - 1] as string | number;
    const target = parent as Record<string | number, unknown>;
    if (m.op === 'delete') {
      if (Array.isArray(target) && typeof last === 'number') target.splice(last, 1);
      else delete target[last];
    } else if (m.op === 'set') {
      if (Object.hasOwn(target, last)) setOwn(target as Record<string, unknown>, String(last), m.value);
    } else {
      const inner = target[last];
      if (inner !== null && typeof inner === 'object' && !Array.isArray(inner)) setOwn(inner as Record<string, unknown>, m.key, m.value);
    }
  }
  return root.v;
}

/** Mutations of `doc`: delete, replace with a hostile value, add a hostile key. */
export function mutations(doc: unknown, value: fc.Arbitrary<unknown> = hostileJson, max = 4): fc.Arbitrary<Mutation[]> {
  const paths = jsonPaths(doc);
  const path = fc.constantFrom(...paths);
  const one: fc.Arbitrary<Mutation> = fc.oneof(
    path.map((p) => ({ path: p, op: 'delete' as const })),
    fc.record({ path, value }).map(({ path: p, value: v }) => ({ path: p, op: 'set' as const, value: v })),
    fc.record({ path: fc.oneof(path, fc.constant([] as (string | number)[])), key: fc.oneof(fc.constantFrom(...PROTO_KEYS), hostileString), value }).map(({ path: p, key, value: v }) => ({
      path: p.length === 0 ? [] : p,
      op: 'add' as const,
      key,
      value: v,
    })),
  );
  return fc.array(one, { minLength: 1, maxLength: max });
}
