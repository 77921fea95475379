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

test('/metrics reports the bytes each watched sink holds, read at the scrape', async () => {
  const metrics = new Metrics();
  let held = 4096;
  metrics.watchSinkBuffers([
    { sinkName: 'kafka', health: () => ({ bufferedBytes: held }) },
    { sinkName: 'hec', health: () => ({ bufferedBytes: 0 }) },
  ]);
  const gauge = (text: string, sink: string) =>
    Number(
      new RegExp(`^compliance_forwarder_component_buffered_bytes\\{component="${sink}"\\} (\\d+)$`, 'm').exec(
        text,
      )?.[1],
    );
  const first = await metrics.text();
  assert.equal(gauge(first, 'kafka'), 4096);
  assert.equal(gauge(first, 'hec'), 0);
  held = 0;
  assert.equal(gauge(await metrics.text(), 'kafka'), 0, 'a drained sink reads 0 at the next scrape');
});
