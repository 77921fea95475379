/**
 * Regenerates the reference documents that derive from code:
 *   docs/config-schema.json   JSON Schema of the config file (from the zod declaration)
 *   docs/configuration.md     the same, as a table per section
 *   docs/errors.md            the error code table
 * `npm run docs` writes them; test/unit/docs/generated-docs.test.ts fails when they are stale.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderGeneratedDocs } from '../src/config/docs.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
for (const [path, text] of Object.entries(renderGeneratedDocs())) {
  await writeFile(`${root}${path}`, text);
  console.log(`wrote ${path}`);
}
