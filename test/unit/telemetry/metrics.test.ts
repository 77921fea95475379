import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Metrics } from '../../../src/telemetry/metrics.ts';

test('/metrics reports the memory held in ArrayBuffers, which the default metrics leave out', async () => {
  const metrics = new Metrics();
  const held = Buffer.alloc(8 * 1024 * 1024, 1);
  const m = /^compliance_forwarder_array_buffers_bytes (\d+)$/m.exec(await metrics.text());
  assert.ok(m, 'the gauge is exposed');
  assert.ok(Number(m[1]) >= held.length, `${m[1]} bytes counted while 8 MiB are held`);
});
