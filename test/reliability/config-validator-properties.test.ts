import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { validateConfig } from '../../src/config/load.ts';
import { isCfError } from '../../src/core/errors/index.ts';

/*
 * The config validator's documented contract: it returns a Config or throws CfError
 * CF_ERR_CONFIG naming the problem, whatever it is given. A TypeError from a getter, a
 * prototype trick or a stack overflow would reach the user as a crash instead of a message.
 * (Chunking and time-parser properties live in test/unit/transforms/jsonl-splitter-properties
 * and test/unit/config/time.test.ts.)
 */

function validatesOrConfigError(raw: unknown): void {
  try {
    validateConfig(raw);
  } catch (err) {
    assert.ok(isCfError(err), `not a CfError: ${String(err)}`);
    assert.equal(err.code, 'CF_ERR_CONFIG');
    assert.ok(err.message.length > 0 && err.message.length < 100_000);
  }
}

const sinkType = fc.constantFrom('stdout', 'file', 'kafka', 'splunk-hec', 'syslog', 'blackhole', '__proto__');
const configKeys = fc.constantFrom(
  'source',
  'principals',
  'splitter',
  'enrich',
  'sinks',
  'routes',
  'state',
  'deadLetter',
  'service',
  'log',
  '__proto__',
  'constructor',
);

/** Objects shaped like a config, so the generator reaches the nested schemas, not only the top level. */
const configShaped = fc.dictionary(
  configKeys,
  fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.array(fc.record({ type: sinkType, name: fc.string({ maxLength: 6 }) }, { requiredKeys: [] }), {
      maxLength: 3,
    }),
    fc.array(
      fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }).map((o) => ({
        type: 'kafka',
        ...o,
      })),
      { maxLength: 2 },
    ),
  ),
  { maxKeys: 6 },
);

test('validateConfig throws only CF_ERR_CONFIG for any value at all', () => {
  fc.assert(
    fc.property(
      fc.anything({ withNullPrototype: true, withBigInt: true, withMap: true }),
      validatesOrConfigError,
    ),
    {
      numRuns: 400,
    },
  );
});

test('validateConfig throws only CF_ERR_CONFIG for any JSON value', () => {
  fc.assert(fc.property(fc.jsonValue({ maxDepth: 6 }), validatesOrConfigError), { numRuns: 400 });
});

test('validateConfig throws only CF_ERR_CONFIG for config-shaped objects', () => {
  fc.assert(fc.property(configShaped, validatesOrConfigError), { numRuns: 600 });
});

test('validateConfig rejects a 100 000-deep nesting with CF_ERR_CONFIG, not a stack overflow', () => {
  let deep: unknown = {};
  for (let i = 0; i < 100_000; i++) deep = { source: deep };
  validatesOrConfigError(deep);
  let arr: unknown = [];
  for (let i = 0; i < 100_000; i++) arr = [arr];
  validatesOrConfigError({ sinks: arr });
});
