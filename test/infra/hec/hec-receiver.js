// Reference Splunk-HEC-contract test receiver (no dependencies).
// Implements: POST /services/collector[/event[/1.0]], POST /services/collector/raw[/1.0],
// POST /services/collector/ack, GET /services/collector/health, gzip request bodies,
// "Authorization: Splunk <token>" (also ?token= is rejected like Splunk's default),
// concatenated-JSON batches, indexer acks per channel, and fault injection.
// usage: HEC_TOKEN=... HEC_ACK=1 HEC_TLS=1 node hec-receiver.js [port] [outfile]
// control: POST /__faults {"status":503,"code":9,"count":3,"delayMs":0}  GET /__events  DELETE /__events
const http = require('node:http'),
  https = require('node:https'),
  zlib = require('node:zlib'),
  fs = require('node:fs');
const PORT = Number(process.argv[2] || 8088);
const OUT = process.argv[3] || null;
const TOKENS = new Set((process.env.HEC_TOKEN || '00000000-0000-0000-0000-000000000000').split(','));
const ACK = process.env.HEC_ACK === '1';
const MAX_BODY = Number(process.env.HEC_MAX_BODY || 1000000);
const events = [];
const channels = new Map(); // channel -> { next, done:Set }
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
function send(res, [status, code, text], extra = {}) {
  const body = JSON.stringify({ text, code, ...extra });
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=UTF-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}
// Split a body of back-to-back JSON objects ("{..}{..}\n{..}") into object texts.
function splitConcatenatedJson(s) {
  const out = [];
  let depth = 0,
    inStr = false,
    esc = false,
    start = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inStr) {
      if (esc) esc = false;
      else if (c === '\\') esc = true;
      else if (c === '"') inStr = false;
      continue;
    }
    if (c === '"') inStr = true;
    else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}') {
      if (--depth === 0) {
        out.push(s.slice(start, i + 1));
        start = -1;
      } else if (depth < 0) return null;
    } else if (depth === 0 && !/\s/.test(c)) return null;
  }
  return depth === 0 ? out : null;
}
function record(ev) {
  events.push(ev);
  if (OUT) fs.appendFileSync(OUT, JSON.stringify(ev) + '\n');
}
function ackIdFor(channel) {
  let ch = channels.get(channel);
  if (!ch) channels.set(channel, (ch = { next: 0, done: new Set() }));
  const id = ch.next++;
  ch.done.add(id);
  return id; // "indexed" immediately
}

async function handler(req, res) {
  const url = new URL(req.url, 'http://x');
  const p = url.pathname.replace(/\/+$/, '');
  if (p === '/__faults' && req.method === 'POST') {
    faults = JSON.parse(await body(req));
    return send(res, R.ok);
  }
  if (p === '/__events') {
    if (req.method === 'DELETE') events.length = 0;
    const b = JSON.stringify(events);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    return res.end(b);
  }
  if (p === '/services/collector/health' || p === '/services/collector/health/1.0')
    return send(res, R.healthy);
  if (faults.count > 0) {
    faults.count--;
    if (faults.delayMs) await new Promise((r) => setTimeout(r, faults.delayMs));
    if (faults.destroy) return req.socket.destroy();
    return send(res, [faults.status || 503, faults.code ?? 9, faults.text || 'Server is busy']);
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
  // auth
  const auth = req.headers.authorization;
  if (!auth) return send(res, url.searchParams.has('token') ? R.queryAuth : R.tokenRequired);
  const m = /^Splunk\s+(\S+)$/.exec(auth);
  if (!m) return send(res, R.invalidAuth);
  if (!TOKENS.has(m[1])) return send(res, R.invalidToken);
  const channel = req.headers['x-splunk-request-channel'] || url.searchParams.get('channel');
  if (
    channel &&
    !/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(channel)
  )
    return send(res, R.badChannel);
  if (isAck) {
    if (!ACK) return send(res, R.ackDisabled);
    if (!channel) return send(res, R.noChannel);
    let q;
    try {
      q = JSON.parse(await body(req));
    } catch {
      return send(res, R.invalidFormat);
    }
    if (!q || !Array.isArray(q.acks)) return send(res, R.invalidFormat);
    const ch = channels.get(channel) || { done: new Set() };
    const acks = {};
    for (const id of q.acks) {
      acks[id] = ch.done.delete(id);
    } // true once, then forgotten
    const b = JSON.stringify({ acks });
    res.writeHead(200, { 'Content-Type': 'application/json' });
    return res.end(b);
  }
  if ((ACK || isRaw) && !channel) return send(res, R.noChannel);
  let text;
  try {
    text = await body(req);
  } catch (e) {
    if (e.tooLarge) {
      res.writeHead(413);
      return res.end();
    }
    return send(res, R.invalidFormat);
  }
  if (!text.trim()) return send(res, R.noData);
  const meta = { channel, path: p, query: Object.fromEntries(url.searchParams) };
  if (isRaw) {
    for (const line of text.split(/\r?\n/)) if (line) record({ ...meta, raw: line });
  } else {
    const parts = splitConcatenatedJson(text);
    if (!parts) return send(res, R.invalidFormat, { 'invalid-event-number': 0 });
    const batch = [];
    for (let i = 0; i < parts.length; i++) {
      let o;
      try {
        o = JSON.parse(parts[i]);
      } catch {
        return send(res, R.invalidFormat, { 'invalid-event-number': i });
      }
      if (!('event' in o)) return send(res, R.eventRequired, { 'invalid-event-number': i });
      if (o.event === '' || o.event === null) return send(res, R.eventBlank, { 'invalid-event-number': i });
      batch.push({ ...meta, ...o });
    }
    batch.forEach(record); // Splunk indexes events before the bad one; we keep it all-or-nothing and say so
  }
  return send(res, R.ok, ACK ? { ackId: ackIdFor(channel) } : {});
}
function body(req) {
  return new Promise((resolve, reject) => {
    let src = req;
    const enc = (req.headers['content-encoding'] || '').toLowerCase();
    if (enc === 'gzip') src = req.pipe(zlib.createGunzip());
    const chunks = [];
    let n = 0;
    src.on('data', (c) => {
      n += c.length;
      if (n > MAX_BODY) {
        const e = new Error('too large');
        e.tooLarge = true;
        reject(e);
        req.destroy();
      } else chunks.push(c);
    });
    src.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    src.on('error', reject);
  });
}
const server =
  process.env.HEC_TLS === '1'
    ? https.createServer(
        { key: fs.readFileSync(process.env.HEC_KEY), cert: fs.readFileSync(process.env.HEC_CERT) },
        (q, s) =>
          handler(q, s).catch((e) => {
            console.error(e);
            send(s, R.internal);
          }),
      )
    : http.createServer((q, s) =>
        handler(q, s).catch((e) => {
          console.error(e);
          send(s, R.internal);
        }),
      );
server.keepAliveTimeout = 65000;
server.listen(PORT, '127.0.0.1', () =>
  console.log(
    `HEC receiver on ${process.env.HEC_TLS === '1' ? 'https' : 'http'}://127.0.0.1:${PORT} ack=${ACK}`,
  ),
);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
