#!/usr/bin/env node
/**
 * The baselines of the throughput scenarios, measured on the SAME bytes from the SAME simulator as
 * the forwarder in the same run: list the window's files (bearer key, paging on last_end_time),
 * download each one (follow the 307 without the key), `concurrency` files at once like the
 * forwarder, and then per mode:
 *
 *   naive   split2 -> JSON.parse -> add the metadata object (the same fields the forwarder adds)
 *           -> JSON.stringify -> output          (what a straightforward Node pipeline does)
 *   split   split2 -> output                     (the ceiling: splitting lines and nothing else)
 *
 * Output is discarded, or with --out written to one file (a WriteStream honouring backpressure,
 * fsynced once at the end). No digest check, no dedupe, no acknowledgements, no checkpoints.
 * Plain JavaScript so the measured process starts as light as it can. Prints one JSON line:
 * {"files","records","bytes"}.
 *
 *   node benchmarks/baselines/jsonl-baseline.mjs --mode=naive|split --principal=ID --event-type=T
 *     --after=ISO --before=ISO [--concurrency=4] [--out=FILE]
 *   env COMPLIANCE_API_BASE, COMPLIANCE_API_KEY
 */
import { closeSync, createWriteStream, fsyncSync, openSync } from 'node:fs';
import { hostname } from 'node:os';
import { Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import split2 from 'split2';
import { request } from 'undici';

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, ...v] = a.replace(/^--/, '').split('=');
    return [k, v.join('=')];
  }),
);
const mode = args.mode;
if (mode !== 'naive' && mode !== 'split') throw new Error('--mode must be naive or split');
const base = process.env.COMPLIANCE_API_BASE;
const key = process.env.COMPLIANCE_API_KEY;
const principal = args.principal;
const eventType = args['event-type'];
const concurrency = Number(args.concurrency ?? 4);
const route = principal.startsWith('org-') ? 'organizations' : 'workspaces';
const auth = { authorization: `Bearer ${key}` };

async function listAll() {
  const files = [];
  let after = args.after;
  for (;;) {
    const q = new URLSearchParams({ event_type: eventType, after, before: args.before, limit: '100' });
    const res = await request(`${base}/${route}/${principal}/logs?${q}`, { headers: auth });
    if (res.statusCode !== 200) throw new Error(`list answered ${res.statusCode}: ${await res.body.text()}`);
    const page = await res.body.json();
    files.push(...page.data);
    if (!page.has_more || page.last_end_time === null) return files;
    after = page.last_end_time;
  }
}

async function open(file) {
  const redirect = await request(`${base}/${route}/${principal}/logs/${file.id}`, { headers: auth });
  await redirect.body.dump();
  if (redirect.statusCode !== 307) throw new Error(`download answered ${redirect.statusCode}`);
  const res = await request(redirect.headers.location);
  if (res.statusCode !== 200) throw new Error(`signed URL answered ${res.statusCode}`);
  return res.body;
}

const out = args.out ? createWriteStream(args.out) : undefined;
const ingestTime = new Date().toISOString();
let records = 0;
let bytes = 0;

/** A Writable that handles each line; its callback waits for the output when it is full. */
function lineSink(file) {
  const meta = {
    principal_id: principal,
    principal_type: route === 'workspaces' ? 'CHATGPT_WORKSPACE' : 'API_PLATFORM_ORG',
    event_type: eventType,
    file_id: file.id,
    file_name: file.file_name,
    file_end_time: file.end_time,
    ingest_time: ingestTime,
    forwarder_version: '0.0.0',
    forwarder_host: hostname(),
  };
  let lineNumber = 0;
  return new Writable({
    objectMode: true,
    write(line, _encoding, callback) {
      records++;
      let text = line;
      if (mode === 'naive') {
        const record = JSON.parse(line);
        record._forwarder = { ...meta, line_number: ++lineNumber };
        text = JSON.stringify(record);
      }
      if (out === undefined || out.write(`${text}\n`)) callback();
      else out.once('drain', callback);
    },
  });
}

async function processFile(file) {
  await pipeline(await open(file), split2(), lineSink(file));
  bytes += file.file_size;
}

const files = await listAll();
let next = 0;
await Promise.all(
  Array.from({ length: Math.max(1, concurrency) }, async () => {
    while (next < files.length) await processFile(files[next++]);
  }),
);
if (out !== undefined) {
  out.end();
  await finished(out);
  const fd = openSync(args.out, 'r+');
  fsyncSync(fd);
  closeSync(fd);
}
process.stdout.write(`${JSON.stringify({ files: files.length, records, bytes })}\n`);
