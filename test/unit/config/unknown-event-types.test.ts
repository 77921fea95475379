import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateConfig } from '../../../src/config/load.ts';
import { unknownEventTypesOf } from '../../../src/config/schema.ts';

test('a well-formed event type the API added since is accepted, listed, and routable', () => {
  const config = validateConfig({
    principals: [
      { id: '11111111-2222-4333-8444-555555555555', eventTypes: ['AUTH_LOG', 'BRAND_NEW_LOG'] },
      { id: 'org-abc', eventTypes: ['APP_LOG', 'ORG_NEW_LOG'] },
    ],
    sinks: [{ type: 'stdout' }],
    routes: [{ eventTypes: ['BRAND_NEW_LOG'], sinks: ['stdout'] }],
  });
  assert.deepEqual(unknownEventTypesOf(config), ['BRAND_NEW_LOG', 'ORG_NEW_LOG']);
});

test('a malformed event type is still refused, and so is a route to a type nothing produces', () => {
  assert.throws(
    () =>
      validateConfig({
        principals: [{ id: '11111111-2222-4333-8444-555555555555', eventTypes: ['auth log'] }],
      }),
    /principals\[0\]\.eventTypes\[0\]/,
  );
  assert.throws(
    () =>
      validateConfig({
        sinks: [{ type: 'stdout' }],
        routes: [{ eventTypes: ['AUTH_LOGG'], sinks: ['stdout'] }],
      }),
    /no source produces the event type "AUTH_LOGG"/,
  );
});
