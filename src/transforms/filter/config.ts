import { z } from 'zod';
import { jsonPathSchema } from '../json-path/path.js';

const scalarSchema = z
  .union([z.string(), z.number(), z.boolean(), z.null()])
  .meta({ description: 'A JSON string, number, boolean or null.' });

const actionSchema = z.enum(['keep', 'drop']).meta({
  description: '`drop`: drop records that match. `keep`: keep only records that match some keep filter.',
});

const pathField = jsonPathSchema.meta({
  description: 'Where to look; with `*`, the condition holds when it holds for any value reached.',
});

function isValidRegex(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

/**
 * One filter. A record is dropped when it matches any `drop` filter, or when there is at least one
 * `keep` filter and it matches none of them. Order does not matter. Filters see the record as it
 * arrived (before redaction); a path that is absent matches nothing (except that `exists` is false).
 */
export const filterRuleSchema = z
  .discriminatedUnion('op', [
    z.strictObject({
      action: actionSchema,
      path: pathField,
      op: z.literal('equals').meta({ description: 'The value is strictly equal to `value`.' }),
      value: scalarSchema,
    }),
    z.strictObject({
      action: actionSchema,
      path: pathField,
      op: z.literal('in').meta({ description: 'The value is strictly equal to one of `values`.' }),
      values: z.array(scalarSchema).min(1).meta({ description: 'The accepted values.' }),
    }),
    z.strictObject({
      action: actionSchema,
      path: pathField,
      op: z.literal('exists').meta({ description: 'The path is present (its value may be null).' }),
    }),
    z.strictObject({
      action: actionSchema,
      path: pathField,
      op: z.literal('regex').meta({ description: 'The value is a string that `pattern` matches.' }),
      pattern: z.string().min(1).refine(isValidRegex, 'must be a valid JavaScript regular expression').meta({
        description: 'A JavaScript regular expression, unanchored (use ^ and $ to anchor).',
      }),
      caseInsensitive: z.boolean().default(false).meta({ description: 'Match regardless of case.' }),
    }),
  ])
  .meta({ description: 'Keep or drop records by a condition on one JSON path.' });

export type FilterRule = z.infer<typeof filterRuleSchema>;
