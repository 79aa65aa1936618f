import type { z } from 'zod';
import { UserError } from '../util/errors.js';

/**
 * Describes a zod issue path against the parsed data: list items that carry an
 * `id` are named by it (`entry "a100-80g"`), the rest is the field path
 * (`field aliases[0]`).
 */
function describePath(data: unknown, path: readonly PropertyKey[]): string {
  const entries: string[] = [];
  const fields: string[] = [];
  let node: unknown = data;
  for (const key of path) {
    const child = node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
    const id = (child as { id?: unknown } | undefined)?.id;
    if (typeof key === 'number' && typeof id === 'string' && fields.every((f) => f === 'models')) {
      entries.push(`entry "${id}"`);
      fields.length = 0;
    } else if (typeof key === 'number') {
      fields.push(fields.length > 0 ? `${fields.pop()}[${key}]` : `entry #${key + 1}`);
    } else {
      fields.push(String(key));
    }
    node = child;
  }
  return [...entries, fields.length > 0 ? `field ${fields.join('.')}` : ''].filter(Boolean).join(', ');
}

/** Validates data against a schema; a failure names the file, the entry and the field. */
export function parseWith<T extends z.ZodType>(schema: T, data: unknown, file: string): z.infer<T> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new UserError(`${file}: invalid`);
  const where = describePath(data, issue.path);
  throw new UserError(`${file}: ${where ? `${where}: ` : ''}${issue.message}`);
}
