import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { FaultsInput, LogFileItem, Simulator, SimulatorInfo } from '../../../src/simulator/index.js';
import { download, listPage, sha256, startSim, WORKSPACE } from './sim-http.js';

const QUERY = { event_type: 'AUDIT_LOG', after: '2026-07-09T12:05:00Z', limit: '3' };

/**
 * Content faults make ugly but truthful files: the listed size and digest are those of the
 * ugly bytes. Each case downloads files under one fault and checks both.
 */
async function faulty(t: Parameters<typeof startSim>[0], faults: FaultsInput) {
  const { sim, info } = await startSim(t, { faults });
  const page = await listPage(info, WORKSPACE, QUERY);
  const files: Array<{ item: LogFileItem; body: Buffer; records: number }> = [];
  for (const item of page.data) {
    const body = await download(info, WORKSPACE, item.id);
    assert.equal(body.length, item.file_size, 'listed size matches the faulty bytes');
    assert.equal(sha256(body), item.file_sha256, 'listed digest matches the faulty bytes');
    files.push({ item, body, records: sim.eventIds(WORKSPACE, 'AUDIT_LOG', item.id).length });
  }
  return { sim, info, files };
}

function parses(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}

test('crlf: every line ends with CRLF', async (t) => {
  for (const { body, records } of (await faulty(t, { crlf: 1 })).files) {
    const text = body.toString('utf8');
    assert.equal(text.split('\r\n').length - 1, records);
    assert.equal(text.replace(/\r\n/g, '').includes('\n'), false);
  }
});

test('missingFinalNewline: the last line has no terminator', async (t) => {
  for (const { body, records } of (await faulty(t, { missingFinalNewline: 1 })).files) {
    assert.notEqual(body.at(-1), 0x0a);
    assert.equal(body.at(-1), 0x7d);
    assert.equal(body.toString('utf8').split('\n').length, records);
  }
});

test('malformedLines: one line is cut short and is not JSON, yet carries its event id', async (t) => {
  const { sim, files } = await faulty(t, { malformedLines: 1 });
  for (const { item, body } of files) {
    const lines = body.toString('utf8').split('\n').slice(0, -1);
    const bad = lines.filter((l) => !parses(l));
    assert.equal(bad.length, 1);
    const ids = sim.eventIds(WORKSPACE, 'AUDIT_LOG', item.id);
    assert.ok(ids.some((id) => bad[0]!.includes(id)));
  }
});

test('runTogether: two objects share one line as }{', async (t) => {
  for (const { body, records } of (await faulty(t, { runTogether: 1 })).files) {
    const lines = body.toString('utf8').split('\n').slice(0, -1);
    assert.equal(lines.length, records - 1);
    const joined = lines.filter((l) => !parses(l));
    assert.equal(joined.length, 1);
    const [left, right] = joined[0]!.split('}{"event_id"');
    assert.ok(parses(`${left}}`) && parses(`{"event_id"${right}`));
  }
});

test('invalidUtf8: one line holds bytes that are not UTF-8, inside a string', async (t) => {
  const strict = new TextDecoder('utf-8', { fatal: true });
  for (const { body } of (await faulty(t, { invalidUtf8: 1 })).files) {
    assert.throws(() => strict.decode(body));
    const lines: Buffer[] = [];
    let start = 0;
    for (let i = body.indexOf(0x0a); i !== -1; i = body.indexOf(0x0a, start)) {
      lines.push(body.subarray(start, i));
      start = i + 1;
    }
    const invalid = lines.filter((l) => {
      try {
        strict.decode(l);
        return false;
      } catch {
        return true;
      }
    });
    assert.equal(invalid.length, 1);
    assert.ok(parses(invalid[0]!.toString('latin1')), 'still one JSON object when read leniently');
  }
});

test('a ratio affects a stable subset of files, and changing it changes the listed digests', async (t) => {
  const { sim, info } = await startSim(t);
  const clean = await listPage(info, WORKSPACE, { ...QUERY, limit: '20' });
  sim.setFaults({ crlf: 0.5 });
  const half = await listPage(info, WORKSPACE, { ...QUERY, limit: '20' });
  const changed = half.data.filter((f, i) => f.file_sha256 !== clean.data[i]!.file_sha256).length;
  assert.ok(changed > 0 && changed < 20, `${changed} of 20 files affected`);
  assert.deepEqual(
    await listPage(info, WORKSPACE, { ...QUERY, limit: '20' }),
    half,
    'the same files stay affected',
  );
  sim.resetFaults();
  assert.deepEqual(await listPage(info, WORKSPACE, { ...QUERY, limit: '20' }), clean);
  await assertLocalMatches(sim, info, clean.data[0]!);
});

async function assertLocalMatches(sim: Simulator, info: SimulatorInfo, item: LogFileItem): Promise<void> {
  assert.deepEqual(await sim.fileFacts(WORKSPACE, item.id), {
    sizeBytes: item.file_size,
    sha256: item.file_sha256,
  });
  assert.equal(sha256(await download(info, WORKSPACE, item.id)), item.file_sha256);
}

test('every content fault at once still lists the true size and digest', async (t) => {
  const all = { crlf: 1, missingFinalNewline: 1, malformedLines: 1, runTogether: 1, invalidUtf8: 1 };
  const { files } = await faulty(t, all);
  for (const { body } of files) {
    assert.ok(body.includes('\r\n'));
    assert.notEqual(body.at(-1), 0x0a);
  }
});
