import { z } from 'zod';
import { jsonPathSchema } from '../json-path/path.js';

export const redactRuleSchema = z
  .strictObject({
    path: jsonPathSchema,
    action: z.enum(['remove', 'hash']).meta({
      description:
        '`remove` deletes the value (array elements are taken out of the array). `hash` replaces it with "hmac-sha256:<hex>", an HMAC-SHA256 keyed with `hashKey` of the string, or of the JSON text of any other value.',
    }),
  })
  .meta({ description: 'One JSON path to redact in every record.' });

export type RedactRule = z.infer<typeof redactRuleSchema>;
