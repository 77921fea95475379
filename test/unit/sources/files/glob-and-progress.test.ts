import assert from 'node:assert/strict';
import { test } from 'node:test';
import { estimateReplay, formatReplayProgress, globToRegExp } from '../../../../src/sources/files/index.ts';

test('globs: ** spans directories, * and ? stay inside a name, {a,b} and [!x] work', () => {
  const m = (glob: string, path: string) => globToRegExp(glob).test(path);
  assert.ok(m('**/*.jsonl.gz', 'a.jsonl.gz'));
  assert.ok(m('**/*.jsonl.gz', '2026/07/a.jsonl.gz'));
  assert.ok(!m('*.jsonl.gz', '2026/a.jsonl.gz'));
  assert.ok(m('2026/0?/*.{jsonl,json}', '2026/07/x.json'));
  assert.ok(!m('2026/0?/*.{jsonl,json}', '2026/07/x.jsonl.gz'));
  assert.ok(m('[!.]*.jsonl', 'a.jsonl'));
  assert.ok(!m('[!.]*.jsonl', '.hidden.jsonl'));
  assert.ok(m('a+b(1).jsonl', 'a+b(1).jsonl'), 'regex characters are literal');
});

test('progress: fraction and ETA by bytes read from disk; none without a total', () => {
  const p = { files: 4, filesDone: 1, bytesTotal: 1000, bytesRead: 400, bytesAtStart: 100, startedAtMs: 0 };
  const e = estimateReplay(p, 3000); // 300 bytes in 3 s: 100 B/s, 600 to go
  assert.equal(e.fraction, 0.4);
  assert.equal(e.bytesPerSecond, 100);
  assert.equal(e.etaMs, 6000);
  assert.match(formatReplayProgress(p, 3000), /^1\/4 files, .*\(40%\), .* ETA 0m06s$/);
  assert.equal(estimateReplay({ ...p, bytesTotal: undefined }, 3000).etaMs, undefined);
});
