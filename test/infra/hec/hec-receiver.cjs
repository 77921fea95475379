// A Splunk HTTP Event Collector that keeps the HEC contract strictly, for tests and benchmarks
// (no dependencies; started by test/infra/hec-receiver.ts on a free loopback port).
//
// Contract (see docs/sinks/splunk-hec.md and Splunk's REST reference):
//   POST /services/collector[/event[/1.0]]   back-to-back JSON envelopes, gzip bodies, every
//                                            event needs a non-blank `event`; code 6 carries the
//                                            0-based `invalid-event-number` of the first bad one
//   POST /services/collector/raw[/1.0]        newline-separated raw events (channel required)
//   POST /services/collector/ack              {"acks":[ids]} -> {"acks":{"id":bool}}, per channel;
//                                            an id answers true once, then it is forgotten
//   GET  /services/collector/health           {"text":"HEC is healthy","code":17}
//   "Authorization: Splunk <token>" on everything but health; 413 when the request body (bytes
//   on the wire) is over the limit; an event over the per-event limit is code 6.
//   A rejected request indexes nothing (all-or-nothing; real Splunk may keep the events before
//   the bad one, which is why the sink documents duplicates there).
//
// usage: node hec-receiver.cjs [port, 0 = any free port]
// env:   HEC_TOKEN=a,b  HEC_ACK=1  HEC_TLS=1 HEC_KEY=key.pem HEC_CERT=cert.pem
//        HEC_MAX_BODY=<wire bytes per request>  HEC_MAX_EVENT=<bytes per event>
//        HEC_STORE=all|count (count: keep totals only, for benchmarks)
//        HEC_EXIT_ON_STDIN_EOF=1 (exit when the parent that spawned us goes away)
// prints: "HEC receiver on http(s)://127.0.0.1:<port> ack=<bool>" once listening.
//
// Test controls (no auth):
//   POST /__faults  {"status":503,"code":9,"text":"..","count":3,"delayMs":0,"destroy":false,
//                    "retryAfter":"1","target":"event"|"ack"|"any"}   answers the next `count`
//                    requests of that target with the fault instead of serving them;
//                    "minBodyBytes":N limits it to requests with Content-Length >= N (the
//                    others are served and do not count): a proxy resetting oversize bodies
//   POST /__config  {"tokens":[..],"disabledTokens":[..],"maxBodyBytes":N,"maxEventBytes":N,
//                    "ackMode":"immediate"|"manual","loseAcks":N}
//                    manual: ack ids stay false until POST /__acks/release;
//                    loseAcks: the next N ack ids issued never become true (a lost ack)
//   POST /__acks/release   every ack id issued so far (and not lost) becomes true
//   GET  /__events  (DELETE clears)   GET /__stats  (DELETE resets the counters)
const http = require('node:http');
const https = require('node:https');
const fs = require('node:fs');
const { readBody: readSharedBody } = require('../receiver-body.cjs');

const PORT = Number(process.argv[2] || 0);
const ACK = process.env.HEC_ACK === '1';
const STORE_ALL = (process.env.HEC_STORE || 'all') === 'all';
const config = {
  tokens: new Set((process.env.HEC_TOKEN || '00000000-0000-0000-0000-000000000000').split(',')),
  disabledTokens: new Set(),
  maxBodyBytes: Number(process.env.HEC_MAX_BODY || 800 * 1024 * 1024),
  maxEventBytes: Number(process.env.HEC_MAX_EVENT || 5 * 1024 * 1024),
  ackMode: 'immediate',
  loseAcks: 0,
  delayMs: 0, // every event request waits this long before it is answered
};
const events = [];
const stats = newStats();
function newStats() {
  return {
    events: 0,
    requests: 0,
    eventRequests: 0,
    gzipRequests: 0,
    wireBytes: 0,
    ackPolls: 0,
    acksIssued: 0,
    largestBody: 0, // largest event request body after decompression, in bytes
    inFlight: 0,
    maxInFlight: 0, // most event requests being served at once
    bodies: [], // { bytes (decompressed), events, gzip } per accepted event request, the first 10000
    statuses: {},
  };
}
const channels = new Map(); // channel -> { next, indexed: Set, waiting: Set }
let faults = { count: 0 };

const R = {
  ok: [200, 0, 'Success'],
  disabled: [403, 1, 'Token disabled'],
  tokenRequired: [401, 2, 'Token is required'],
  invalidAuth: [401, 3, 'Invalid authorization'],
  invalidToken: [403, 4, 'Invalid token'],
  noData: [400, 5, 'No data'],
  invalidFormat: [400, 6, 'Invalid data format'],
  incorrectIndex: [400, 7, 'Incorrect index'],
  internal: [500, 8, 'Internal server error'],
  busy: [503, 9, 'Server is busy'],
  noChannel: [400, 10, 'Data channel is missing'],
  badChannel: [400, 11, 'Invalid data channel'],
  eventRequired: [400, 12, 'Event field is required'],
  eventBlank: [400, 13, 'Event field cannot be blank'],
  ackDisabled: [400, 14, 'ACK is disabled'],
  queryAuth: [400, 16, 'Query string authorization is not enabled'],
  healthy: [200, 17, 'HEC is healthy'],
};

function send(res, [status, code, text], extra = {}, headers = {}) {
  stats.statuses[status] = (stats.statuses[status] || 0) + 1;
  const body = JSON.stringify({ text, code, ...extra });
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=UTF-8',
    'Content-Length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

function sendJson(res, value) {
  const body = JSON.stringify(value);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

const OPEN = 123; // {
const CLOSE = 125; // }
const QUOTE = 34; // "
const BACKSLASH = 92;
// Split a body of back-to-back JSON objects ("{..}{..}\n{..}") into object texts; null when the
// text between objects is not whitespace or the braces do not balance.
function splitConcatenatedJson(s) {
  const out = [];
  let depth = 0;
  let inStr = false;
  let esc = false;
  let start = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (inStr) {
      if (esc) esc = false;
      else if (c === BACKSLASH) esc = true;
      else if (c === QUOTE) inStr = false;
      continue;
    }
    if (c === QUOTE) inStr = true;
    else if (c === OPEN) {
      if (depth++ === 0) start = i;
    } else if (c === CLOSE) {
      if (--depth === 0) {
        out.push(s.slice(start, i + 1));
        start = -1;
      } else if (depth < 0) return null;
    } else if (depth === 0 && c !== 32 && c !== 10 && c !== 13 && c !== 9) return null;
  }
  return depth === 0 ? out : null;
}

function keep(ev) {
  stats.events++;
  if (STORE_ALL) events.push(ev);
}

function channelState(channel) {
  let ch = channels.get(channel);
  if (!ch) channels.set(channel, (ch = { next: 0, indexed: new Set(), waiting: new Set() }));
  return ch;
}

function issueAckId(channel) {
  const ch = channelState(channel);
  const id = ch.next++;
  stats.acksIssued++;
  if (config.loseAcks > 0)
    config.loseAcks--; // never indexed: the poll keeps answering false
  else if (config.ackMode === 'manual') ch.waiting.add(id);
  else ch.indexed.add(id);
  return id;
}

function readBody(req) {
  return readSharedBody(req, config, (n) => {
    stats.wireBytes += n;
  });
}

function checkAuth(req, url) {
  const auth = req.headers.authorization;
  if (!auth) return url.searchParams.has('token') ? R.queryAuth : R.tokenRequired;
  const m = /^Splunk\s+(\S+)$/.exec(auth);
  if (!m) return R.invalidAuth;
  if (config.disabledTokens.has(m[1])) return R.disabled;
  if (!config.tokens.has(m[1])) return R.invalidToken;
  return null;
}

function faultApplies(target, req) {
  if (faults.count <= 0) return false;
  const want = faults.target || 'event';
  if (want !== 'any' && want !== target) return false;
  // minBodyBytes: only requests whose body (Content-Length, on the wire) is at least that large,
  // like a proxy that resets oversize bodies instead of answering 413.
  if (faults.minBodyBytes !== undefined) {
    const length = Number(req.headers['content-length']);
    if (!(length >= faults.minBodyBytes)) return false;
  }
  return true;
}

async function serveFault(req, res) {
  faults.count--;
  if (faults.delayMs) await new Promise((r) => setTimeout(r, faults.delayMs));
  if (faults.destroy) return req.socket.destroy();
  await readBody(req); // consume the request so the connection stays usable
  const headers = faults.retryAfter === undefined ? {} : { 'Retry-After': String(faults.retryAfter) };
  return send(
    res,
    [faults.status || 503, faults.code ?? 9, faults.text || 'Server is busy'],
    faults.extra || {},
    headers,
  );
}

async function control(req, res, p) {
  if (p === '/__faults' && req.method === 'POST') {
    faults = JSON.parse((await readBody(req)).text);
    return sendJson(res, { ok: true });
  }
  if (p === '/__config' && req.method === 'POST') {
    const c = JSON.parse((await readBody(req)).text);
    if (c.tokens) config.tokens = new Set(c.tokens);
    if (c.disabledTokens) config.disabledTokens = new Set(c.disabledTokens);
    for (const k of ['maxBodyBytes', 'maxEventBytes', 'ackMode', 'loseAcks', 'delayMs'])
      if (k in c) config[k] = c[k];
    return sendJson(res, { ok: true });
  }
  if (p === '/__acks/release' && req.method === 'POST') {
    for (const ch of channels.values()) {
      for (const id of ch.waiting) ch.indexed.add(id);
      ch.waiting.clear();
    }
    return sendJson(res, { ok: true });
  }
  if (p === '/__events') {
    if (req.method === 'DELETE') events.length = 0;
    return sendJson(res, events);
  }
  if (p === '/__stats') {
    if (req.method === 'DELETE') Object.assign(stats, newStats(), { inFlight: stats.inFlight });
    return sendJson(res, stats);
  }
  res.writeHead(404);
  res.end();
}

async function handler(req, res) {
  const url = new URL(req.url, 'http://x');
  const p = url.pathname.replace(/\/+$/, '');
  if (p.startsWith('/__')) return control(req, res, p);
  stats.requests++;
  if (p === '/services/collector/health' || p === '/services/collector/health/1.0') {
    if (faultApplies('health', req)) return serveFault(req, res);
    return send(res, R.healthy);
  }
  const isEvent = [
    '/services/collector',
    '/services/collector/event',
    '/services/collector/event/1.0',
  ].includes(p);
  const isRaw = ['/services/collector/raw', '/services/collector/raw/1.0'].includes(p);
  const isAck = p === '/services/collector/ack';
  if (!isEvent && !isRaw && !isAck) {
    res.writeHead(404);
    return res.end();
  }
  if (req.method !== 'POST') {
    res.writeHead(405);
    return res.end();
  }
  if (faultApplies(isAck ? 'ack' : 'event', req)) return serveFault(req, res);
  if (isAck) return serveCollector(req, res, url, p, { isEvent, isRaw, isAck });
  stats.inFlight++;
  stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
  try {
    if (config.delayMs) await new Promise((r) => setTimeout(r, config.delayMs));
    return await serveCollector(req, res, url, p, { isEvent, isRaw, isAck });
  } finally {
    stats.inFlight--;
  }
}

async function serveCollector(req, res, url, p, { isRaw, isAck }) {
  const authFailure = checkAuth(req, url);
  if (authFailure) {
    await readBody(req);
    return send(res, authFailure);
  }
  const channel = req.headers['x-splunk-request-channel'] || url.searchParams.get('channel');
  if (
    channel &&
    !/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(channel)
  ) {
    await readBody(req);
    return send(res, R.badChannel);
  }
  const body = await readBody(req);
  if (isAck) {
    if (!ACK) return send(res, R.ackDisabled);
    if (!channel) return send(res, R.noChannel);
    stats.ackPolls++;
    let q;
    try {
      q = JSON.parse(body.text);
    } catch {
      return send(res, R.invalidFormat);
    }
    if (!q || !Array.isArray(q.acks)) return send(res, R.invalidFormat);
    const ch = channels.get(channel) || { indexed: new Set() };
    const acks = {};
    for (const id of q.acks) acks[id] = ch.indexed.delete(id); // true once, then forgotten
    return sendJson(res, { acks });
  }
  if ((ACK || isRaw) && !channel) return send(res, R.noChannel);
  if (body.tooLarge) {
    stats.statuses[413] = (stats.statuses[413] || 0) + 1;
    const text = JSON.stringify({ text: 'Content too large', code: 27 });
    res.writeHead(413, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
      Connection: 'close',
    });
    return res.end(text);
  }
  if (body.badEncoding) return send(res, R.invalidFormat, { 'invalid-event-number': 0 });
  const text = body.text;
  if (!text.trim()) return send(res, R.noData);
  stats.eventRequests++;
  if (body.gzip) stats.gzipRequests++;
  stats.largestBody = Math.max(stats.largestBody, Buffer.byteLength(text));
  const meta = { channel, path: p, gzip: body.gzip };
  if (isRaw) {
    for (const line of text.split(/\r?\n/)) if (line) keep({ ...meta, raw: line });
  } else {
    const parts = splitConcatenatedJson(text);
    if (!parts) return send(res, R.invalidFormat, { 'invalid-event-number': 0 });
    const batch = [];
    for (let i = 0; i < parts.length; i++) {
      if (parts[i].length > config.maxEventBytes)
        return send(res, R.invalidFormat, { 'invalid-event-number': i });
      let o;
      try {
        o = JSON.parse(parts[i]);
      } catch {
        return send(res, R.invalidFormat, { 'invalid-event-number': i });
      }
      if (!('event' in o)) return send(res, R.eventRequired, { 'invalid-event-number': i });
      if (o.event === '' || o.event === null) return send(res, R.eventBlank, { 'invalid-event-number': i });
      batch.push(o);
    }
    const ackId = ACK ? issueAckId(channel) : undefined;
    for (const o of batch) keep(STORE_ALL ? { ...meta, ackId, ...o } : null);
    if (stats.bodies.length < 10000)
      stats.bodies.push({ bytes: Buffer.byteLength(text), events: batch.length, gzip: body.gzip });
    return send(res, R.ok, ACK ? { ackId } : {});
  }
  return send(res, R.ok, ACK ? { ackId: issueAckId(channel) } : {});
}

function serve(q, s) {
  handler(q, s).catch((e) => {
    console.error(e);
    if (!s.headersSent) send(s, R.internal);
  });
}

const server =
  process.env.HEC_TLS === '1'
    ? https.createServer(
        { key: fs.readFileSync(process.env.HEC_KEY), cert: fs.readFileSync(process.env.HEC_CERT) },
        serve,
      )
    : http.createServer(serve);
server.keepAliveTimeout = 65000;
server.listen(PORT, '127.0.0.1', () =>
  console.log(
    `HEC receiver on ${process.env.HEC_TLS === '1' ? 'https' : 'http'}://127.0.0.1:${server.address().port} ack=${ACK}`,
  ),
);
function shutdown() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
if (process.env.HEC_EXIT_ON_STDIN_EOF === '1') {
  process.stdin.on('end', shutdown);
  process.stdin.on('error', shutdown);
  process.stdin.resume();
}
