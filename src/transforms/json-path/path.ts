import { z } from 'zod';

/**
 * The small path language of filters and redaction: property names separated by dots, and `*` (or
 * `[*]` after a name) for every element of an array or every value of an object.
 *   message.content.value      actor.redacted_id      message.files[*].name      action_data.*
 * A name is matched as an own property, never through the prototype chain; on an array a name such
 * as `0` picks that element. There is no escaping: a name cannot contain `.`, `[`, `]` or be `*`.
 */
export type JsonPath = readonly string[];

export const WILDCARD = '*';

const PATH_PATTERN = /^[^.[\]]+(?:\.[^.[\]]+|\[\*\])*$/;

export const jsonPathSchema = z
  .string()
  .regex(PATH_PATTERN, 'must be dot-separated names, with * or [*] for array elements')
  .meta({ description: 'A JSON path such as `message.content.value` or `message.files[*].name`.' });

export function parsePath(path: string): JsonPath {
  return path.replaceAll('[*]', '.*').split('.');
}

/** True when `test` holds for at least one value the path reaches (present values only, null included). */
export function someValue(root: unknown, path: JsonPath, test: (value: unknown) => boolean): boolean {
  return some(root, path, 0, test);
}

function some(node: unknown, path: JsonPath, depth: number, test: (value: unknown) => boolean): boolean {
  if (depth === path.length) return test(node);
  if (typeof node !== 'object' || node === null) return false;
  const name = path[depth]!;
  if (name === WILDCARD) {
    for (const v of Object.values(node)) if (some(v, path, depth + 1, test)) return true;
    return false;
  }
  if (!Object.hasOwn(node, name)) return false;
  return some((node as Record<string, unknown>)[name], path, depth + 1, test);
}

/**
 * Calls `visit(container, name)` for every property the path reaches that exists, where
 * `container[name]` is the value; the last step is left to `visit` so it can replace or delete.
 * Returns how many it visited.
 */
export function forEachSlot(
  root: unknown,
  path: JsonPath,
  visit: (container: Record<string, unknown> | unknown[], name: string) => void,
): number {
  return slots(root, path, 0, visit);
}

function slots(
  node: unknown,
  path: JsonPath,
  depth: number,
  visit: (container: Record<string, unknown> | unknown[], name: string) => void,
): number {
  if (typeof node !== 'object' || node === null) return 0;
  const name = path[depth]!;
  const last = depth === path.length - 1;
  const names = name === WILDCARD ? Object.keys(node) : Object.hasOwn(node, name) ? [name] : [];
  let count = 0;
  // Visit a wildcard's slots from the end so that deleting array elements keeps the others' indexes.
  for (let i = names.length - 1; i >= 0; i--) {
    const n = names[i]!;
    if (last) {
      visit(node as Record<string, unknown> | unknown[], n);
      count++;
    } else {
      count += slots((node as Record<string, unknown>)[n], path, depth + 1, visit);
    }
  }
  return count;
}
