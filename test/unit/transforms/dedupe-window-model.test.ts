import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import fc from 'fast-check';
import { enrichConfigSchema, RecordEnricher } from '../../../src/transforms/index.js';
import { ModelWindow } from '../../helpers/dedupe-model.js';
import { CountingDelivery, sourceRef } from '../../helpers/records.js';
import { goodLines, split } from './split-helpers.js';

/**
 * The de-duplication window against a plain model of its contract: the last `maxEntries`
 * distinct event ids, least recently seen forgotten first, a repeat moving an id to the end, and a
 * repeat counting as a duplicate unless it is at the place (file and line) the id was first seen
 * in a file not yet delivered whole.
 * Long traces with many more ids than the window holds exercise eviction after eviction (the
 * window keeps one cursor over its ids from one eviction to the next, which must stay on the least
 * recently seen id).
 */
const step = fc.record({
  id: fc.integer({ min: 0, max: 60 }),
  file: fc.integer({ min: 0, max: 2 }),
  lineNumber: fc.integer({ min: 1, max: 3 }),
  // Now and then the file is delivered whole after this record.
  delivered: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
});

test('the de-duplication window drops exactly what an LRU model of its contract drops', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 12 }),
      fc.array(step, { minLength: 1, maxLength: 400 }),
      (max, trace) => {
        const enricher = new RecordEnricher(enrichConfigSchema.parse({ dedupe: { maxEntries: max } }), {
          version: '1.0.0',
          host: 'test-host',
        });
        const model = new ModelWindow(max);
        const files = [0, 1, 2].map((n) =>
          enricher.forFile({ source: sourceRef({ fileId: `file-${n}` }), delivery: new CountingDelivery() }),
        );
        for (const [i, { id, file, lineNumber, delivered }] of trace.entries()) {
          const [line] = goodLines(split(`{"event_id":"e${id}"}`).out);
          const dropped = files[file]!.enrich({ ...line!, lineNumber }) === undefined;
          assert.equal(
            dropped,
            model.isDuplicate(`e${id}`, `file-${file}`, lineNumber),
            `step ${i}: e${id} in file-${file} line ${lineNumber}`,
          );
          assert.equal(enricher.dedupeSize, model.seen.size);
          if (delivered) {
            files[file]!.fileDelivered();
            model.fileDelivered(`file-${file}`);
          }
        }
      },
    ),
    { numRuns: 200 },
  );
});
