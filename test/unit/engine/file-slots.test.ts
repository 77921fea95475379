import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FileSlots } from '../../../src/engine/file-slots.ts';

test('slots are granted up to the size, then first come first served as they are given back', async () => {
  const slots = new FileSlots(2);
  const never = new AbortController().signal;
  const r1 = await slots.acquire(never);
  const r2 = await slots.acquire(never);
  const order: string[] = [];
  const waiter = (name: string) =>
    slots.acquire(never).then((release) => {
      order.push(name);
      return release;
    });
  const w3 = waiter('third');
  const w4 = waiter('fourth');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, [], 'nobody past the size');
  assert.equal(slots.inUse, 2);
  r1();
  r1(); // giving back twice gives back once
  const r3 = await w3;
  assert.deepEqual(order, ['third']);
  r2();
  const r4 = await w4;
  assert.deepEqual(order, ['third', 'fourth']);
  r3();
  r4();
  assert.equal(slots.inUse, 0);
});

test('a waiter that gives up takes nothing', async () => {
  const slots = new FileSlots(1);
  const hold = await slots.acquire(new AbortController().signal);
  const quit = new AbortController();
  const waiting = slots.acquire(quit.signal);
  quit.abort(new Error('stopping'));
  await assert.rejects(waiting, /stopping/);
  hold();
  assert.equal(slots.inUse, 0, 'the slot went back to the pool, not to the aborted waiter');
  await assert.rejects(slots.acquire(AbortSignal.abort(new Error('already'))), /already/);
  assert.throws(() => new FileSlots(0), /at least 1/);
});
