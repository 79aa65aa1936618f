/**
 * A table entry by a key that came from a file or the command line. Plain `table[key]`
 * finds Object.prototype's members for `constructor`, `__proto__` or `toString`, which
 * would pass for an entry; only the table's own keys count.
 */
export function ownEntry<V>(table: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
