import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../helpers/cli.ts';
import { readOutputLines, TempDirs } from '../helpers/export-fixtures.ts';
import { startRsyslog } from '../infra/rsyslog.ts';

/*
 * Upstream values are untrusted. A hostile Compliance API lists a file whose id, file_name and
 * records carry `../`, control characters, CR/LF, quotes, brackets and 10 KB of text. Nothing
 * may escape the output directory, reach another URL path, break a syslog frame or its
 * structured data, or be lost.
 */
const WORKSPACE = '11111111-2222-4333-8444-555555555555';
const KEY = 'sk-hostile-test-key-0123456789';
const HOSTILE_ID = '../../../etc/passwd\r\nX-Injected: yes\u0000';
const HOSTILE_NAME = `../${'\u0007\u001b[2J'}AUDIT_LOG\n${'x'.repeat(10_000)}.jsonl`;
const END_TIME = '2026-11-20T10:00:00Z';
const RECORDS = [
  { event_id: 'e1', type: 'AUDIT_LOG', timestamp: '2026-11-20T09:55:00Z', note: 'plain' },
  {
    event_id: 'e2"]\\ \n<13>1 - injected',
    type: 'AUDIT_LOG',
    timestamp: '2026-11-20T09:56:00Z',
    note: ']"\\',
  },
  {
    event_id: 'e3',
    type: '../../AUDIT_LOG\r\n',
    timestamp: '2026-11-20T09:57:00Z',
    note: 'x'.repeat(10_000),
  },
];
const BODY = Buffer.from(`${RECORDS.map((r) => JSON.stringify(r)).join('\n')}\n`);

const tmp = new TempDirs();
const seenPaths: string[] = [];
let api: Server;
let signed: Server;
let base: string;

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

before(async () => {
  signed = createServer((req, res) => {
    seenPaths.push(`signed ${req.url}`);
    res.writeHead(200, { 'content-type': 'application/jsonl' });
    res.end(BODY);
  });
  const signedPort = await listen(signed);
  api = createServer((req, res) => {
    seenPaths.push(`api ${req.url}`);
    if (req.headers.authorization !== `Bearer ${KEY}`) {
      res.writeHead(401).end('{"error":{"message":"no"}}');
      return;
    }
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === `/v1/compliance/workspaces/${WORKSPACE}/logs`) {
      const after = url.searchParams.get('after') ?? '';
      const data =
        Date.parse(after) < Date.parse(END_TIME)
          ? [
              {
                id: HOSTILE_ID,
                event_type: 'AUDIT_LOG',
                end_time: END_TIME,
                file_name: HOSTILE_NAME,
                file_size: BODY.length,
                file_sha256: createHash('sha256').update(BODY).digest('hex'),
              },
            ]
          : [];
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data, has_more: false, last_end_time: data.length ? END_TIME : null }));
      return;
    }
    if (url.pathname.startsWith(`/v1/compliance/workspaces/${WORKSPACE}/logs/`)) {
      res.writeHead(307, { location: `http://127.0.0.1:${signedPort}/signed/abc` }).end();
      return;
    }
    res.writeHead(404).end();
  });
  base = `http://127.0.0.1:${await listen(api)}/v1/compliance`;
});
after(async () => {
  api.close();
  signed.close();
  api.closeAllConnections();
  signed.closeAllConnections();
  await tmp.cleanup();
});

const env = () => ({ COMPLIANCE_API_KEY: KEY, COMPLIANCE_API_BASE: base });
const windowArgs = ['--principal', WORKSPACE, '--event-type', 'AUDIT_LOG', '--after', '2026-11-20T00:00:00Z'];

test('a hostile file id stays one encoded path segment, and nothing lands outside the output directory', async () => {
  const dir = await tmp.make();
  const out = join(dir, 'out');
  const config = join(dir, 'c.yaml');
  await (await import('node:fs/promises')).writeFile(
    config,
    'sinks:\n  - type: file\n    directory: ' + out + '\n    perEventType: true\n',
  );
  const r = await runCli(
    ['export', ...windowArgs, '--config', config, '--state-dir', join(dir, 'state')],
    env(),
  );
  assert.equal(r.code, 0, r.stderr);
  const download = seenPaths.find((p) => p.startsWith('api') && p.includes('/logs/'));
  assert.ok(download !== undefined);
  assert.ok(!download.slice(download.indexOf('/logs/') + 6).includes('/'), `one path segment: ${download}`);
  assert.ok(!/[\r\n]/.test(download), 'no CR/LF reached the request line');
  const files = await readdir(dir, { recursive: true });
  for (const f of files) assert.ok(!relative(dir, join(dir, f)).startsWith('..'), f);
  const lines = await readOutputLines(out);
  assert.equal(lines.length, RECORDS.length, 'every record arrived');
  const meta = (JSON.parse(lines[0]!) as { _forwarder: { file_id: string; file_name: string } })._forwarder;
  assert.equal(meta.file_id, HOSTILE_ID, 'the id arrives intact, JSON-escaped');
  assert.equal(meta.file_name, HOSTILE_NAME);
  assert.ok(!r.stderr.includes(KEY));
});

test('hostile values cannot break a syslog frame or its structured data', async () => {
  const rsyslog = await startRsyslog();
  try {
    const dir = await tmp.make();
    const r = await runCli(
      ['export', ...windowArgs, '--syslog-url', rsyslog.url('tcp'), '--state-dir', join(dir, 'state')],
      env(),
    );
    assert.equal(r.code, 0, r.stderr);
    const messages = await rsyslog.waitForMessages(RECORDS.length);
    assert.equal(messages.length, RECORDS.length, 'one message per record, no injected extra message');
    const ids = messages.map((m) => (JSON.parse(m.msg) as { event_id: string }).event_id).sort();
    assert.deepEqual(ids, RECORDS.map((x) => x.event_id).sort());
    for (const m of messages) {
      assert.equal(m.appname, 'compliance-forwarder');
      assert.equal(m.msgid, 'AUDIT_LOG', 'MSGID comes from the stream, not from upstream text');
    }
  } finally {
    await rsyslog.close();
  }
});
