import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type BadLine, isBadLine, JsonlSplitter, type SplitLine } from '../../src/transforms/index.ts';
import { BAD_LINE_TEXT_MAX_BYTES } from '../../src/transforms/split-jsonl/types.ts';
import { hostileCorpus } from './corpus/hostile-jsonl.ts';

/*
 * Every case of the hostile corpus through the streaming splitter (the stage that meets upstream
 * bytes first): it becomes dead-letter entries (BadLine) or records, the good lines around it
 * survive, and nothing throws, hangs or holds the hostile bytes in memory.
 */
const MAX_LINE_BYTES = 8 * 1024 * 1024;

for (const c of hostileCorpus()) {
  test(`hostile JSONL: ${c.name} → ${c.expect}, neighbours intact`, () => {
    const splitter = new JsonlSplitter({ maxLineBytes: MAX_LINE_BYTES });
    const records: SplitLine[] = [];
    const bad: BadLine[] = [];
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    let chunks = 0;
    const take = (xs: Array<SplitLine | BadLine>) => {
      for (const x of xs) {
        if (isBadLine(x)) bad.push(x);
        else records.push(x);
      }
    };
    for (const chunk of c.chunks()) {
      take(splitter.push(chunk));
      if (++chunks % 16 === 0) rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }
    take(splitter.end());
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);

    const ids = records.map((r) => r.parsed.event_id);
    assert.equal(ids[0], 'good-first');
    assert.equal(ids.at(-1), 'good-last');
    if (c.expect === 'bad-lines') {
      assert.ok(bad.length >= 1, 'the hostile part became dead-letter entries');
      assert.deepEqual(ids, ['good-first', 'good-last'], 'no hostile bytes became a record');
    } else if (c.expect === 'bad-lines-and-objects') {
      assert.ok(bad.length >= 1, 'the junk between objects became dead-letter entries');
      for (const r of records) assert.equal(typeof r.parsed, 'object', 'only whole objects became records');
    } else {
      assert.equal(bad.length, 0);
      assert.equal(records.length, 3);
    }
    for (const b of bad) {
      assert.match(b.code, /^CF_ERR_(LINE_TOO_LONG|BAD_JSON|BAD_UTF8)$/);
      assert.ok(b.reason.length > 0 && b.reason.length < 1000, 'a sentence, not the input');
      assert.ok(
        Buffer.byteLength(b.text) <= BAD_LINE_TEXT_MAX_BYTES * 3,
        'the entry carries a bounded excerpt',
      );
    }
    // The 100 MB line is streamed in 1 MiB chunks: the splitter must not accumulate it. (The other
    // cases are a few MB at most; RSS is too noisy to bound them usefully.)
    if (c.name.includes('MB line')) {
      const grew = Math.round((rssPeak - rssBefore) / 1048576);
      assert.ok(grew < 96, `rss grew ${grew} MiB while a 100 MB line streamed through`);
    }
  });
}
