// An Elasticsearch _bulk endpoint that keeps the documented bulk contract, for tests and
// benchmarks (no dependencies; started by test/infra/es-receiver.ts on a free loopback port).
// Written from https://www.elastic.co/guide/en/elasticsearch/reference/8.14/docs-bulk.html
//
// Contract:
//   POST /_bulk, /<target>/_bulk   NDJSON: an action line ({"create"|"index":{"_index","_id"}})
//                                  then the document; the body must end with a newline (else 400
//                                  illegal_argument_exception, nothing indexed). A malformed action
//                                  line is a 400 for the whole request (x_content_parse_exception).
//                                  Answer 200 {"took","errors","items":[{"<action>":{"_index","_id",
//                                  "status","result"|"error"}}]} in request order:
//                                    create of an _id already in that index: 409
//                                      version_conflict_engine_exception (nothing changes)
//                                    a document that is not a JSON object: 400 document_parsing_exception
//                                    a data stream (a target starting with "logs-"): only `create`
//                                      (else 400 illegal_argument_exception) and `@timestamp`
//                                      required (else 400 document_parsing_exception)
//   GET /                          cluster info (name, version), auth required
//   Content-Encoding: gzip bodies; 413 when the body on the wire is over maxBodyBytes
//   (http.max_content_length; 100mb by default in Elasticsearch).
//   Auth (when configured): "Authorization: ApiKey <base64 id:key>" or "Basic <base64 user:pass>";
//   otherwise 401 security_exception with WWW-Authenticate.
//
// usage: node es-receiver.cjs [port, 0 = any free port]
// env:   ES_API_KEY=<encoded key>  ES_BASIC=user:pass  (neither: no auth)
//        ES_TLS=1 ES_KEY=key.pem ES_CERT=cert.pem  ES_MAX_BODY=<wire bytes per request>
//        ES_STORE=all|count (count: keep ids only, for benchmarks)
//        ES_EXIT_ON_STDIN_EOF=1 (exit when the parent that spawned us goes away)
// prints: "ES receiver on http(s)://127.0.0.1:<port>" once listening.
//
// Test controls (no auth):
//   POST /__faults  {"status":429,"count":2,"retryAfter":"1","delayMs":0,"destroy":false,
//                    "minBodyBytes":N,"target":"bulk"|"root"|"any"}  the next `count` requests of
//                    that target get the fault (a whole-request answer, or a reset with destroy)
//   POST /__itemFaults [{"id":"evt_1","status":429|400|503,"count":N}]  per-item answers for the
//                    documents with that _id, `count` times (absent: every time); replaces the list
//   POST /__config  {"apiKey":..,"basic":..,"maxBodyBytes":N,"delayMs":N}
//   GET  /__docs    (DELETE clears)   GET /__stats  (DELETE resets the counters)
const http = require('node:http');
const https = require('node:https');
const fs = require('node:fs');
const crypto = require('node:crypto');
const { readBody: readSharedBody } = require('../receiver-body.cjs');

const PORT = Number(process.argv[2] || 0);
const STORE_ALL = (process.env.ES_STORE || 'all') === 'all';
const config = {
  apiKey: process.env.ES_API_KEY || undefined,
  basic: process.env.ES_BASIC || undefined,
  maxBodyBytes: Number(process.env.ES_MAX_BODY || 100 * 1024 * 1024),
  delayMs: 0,
};
const indices = new Map(); // index -> Map(id -> stored document or true)
const docs = []; // { index, id, source, gzip } in arrival order (STORE_ALL)
let stats = newStats();
let faults = { count: 0 };
let itemFaults = [];

function newStats() {
  return {
    requests: 0,
    bulkRequests: 0,
    gzipRequests: 0,
    wireBytes: 0,
    created: 0,
    conflicts: 0,
    largestBody: 0,
    inFlight: 0,
    maxInFlight: 0,
    statuses: {},
    itemStatuses: {},
    bodies: [],
  };
}

function sendJson(res, status, value, headers = {}) {
  stats.statuses[status] = (stats.statuses[status] || 0) + 1;
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

function esError(status, type, reason, headers) {
  return [status, { error: { root_cause: [{ type, reason }], type, reason }, status }, headers];
}

function readBody(req) {
  return readSharedBody(req, config, (n) => {
    stats.wireBytes += n;
  });
}

function authFailure(req) {
  if (config.apiKey === undefined && config.basic === undefined) return null;
  const auth = String(req.headers.authorization || '');
  const m = /^(ApiKey|Basic)\s+(\S+)$/.exec(auth);
  if (m && m[1] === 'ApiKey' && config.apiKey !== undefined && m[2] === config.apiKey) return null;
  if (m && m[1] === 'Basic' && config.basic !== undefined) {
    if (Buffer.from(m[2], 'base64').toString('utf8') === config.basic) return null;
  }
  const reason = auth
    ? 'unable to authenticate with provided credentials and anonymous access is not allowed for this request'
    : 'missing authentication credentials for REST request [/_bulk]';
  return esError(401, 'security_exception', reason, {
    'WWW-Authenticate': 'Basic realm="security", charset="UTF-8", ApiKey',
  });
}

function faultApplies(target, req) {
  if (faults.count <= 0) return false;
  const want = faults.target || 'bulk';
  if (want !== 'any' && want !== target) return false;
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
  await readBody(req);
  const status = faults.status || 503;
  const headers = faults.retryAfter === undefined ? {} : { 'Retry-After': String(faults.retryAfter) };
  const [s, body] =
    status === 429
      ? esError(429, 'es_rejected_execution_exception', 'rejected execution of coordinating operation')
      : esError(status, 'unavailable_shards_exception', 'primary shard is not active');
  return sendJson(res, s, body, headers);
}

/** The per-item fault for this _id, used up once; undefined when none applies. */
function itemFault(id) {
  const f = itemFaults.find((x) => x.id === id && (x.count === undefined || x.count > 0));
  if (!f) return undefined;
  if (f.count !== undefined) f.count--;
  return f.status;
}

function itemError(status, type, reason) {
  stats.itemStatuses[status] = (stats.itemStatuses[status] || 0) + 1;
  return { status, error: { type, reason } };
}

function indexDoc(action, meta, line) {
  const index = meta._index;
  const id = meta._id === undefined ? crypto.randomUUID() : String(meta._id);
  const base = { _index: index, _id: id };
  const fault = itemFault(id);
  if (fault === 429)
    return {
      ...base,
      ...itemError(429, 'es_rejected_execution_exception', 'rejected execution of primary operation'),
    };
  if (fault === 400)
    return {
      ...base,
      ...itemError(
        400,
        'document_parsing_exception',
        `[1:42] failed to parse field [id] of type [long] in document with id '${id}'`,
      ),
    };
  if (fault !== undefined)
    return { ...base, ...itemError(fault, 'unavailable_shards_exception', 'primary shard is not active') };
  let source;
  try {
    source = JSON.parse(line);
  } catch {
    return { ...base, ...itemError(400, 'document_parsing_exception', '[1:1] failed to parse') };
  }
  if (typeof source !== 'object' || source === null || Array.isArray(source)) {
    return { ...base, ...itemError(400, 'document_parsing_exception', 'root must be an object') };
  }
  const dataStream = index.startsWith('logs-');
  if (dataStream && action !== 'create') {
    return {
      ...base,
      ...itemError(
        400,
        'illegal_argument_exception',
        `only write ops with an op_type of create are allowed in data streams`,
      ),
    };
  }
  if (dataStream && typeof source['@timestamp'] !== 'string') {
    return {
      ...base,
      ...itemError(400, 'document_parsing_exception', 'data stream timestamp field [@timestamp] is missing'),
    };
  }
  let ids = indices.get(index);
  if (!ids) indices.set(index, (ids = new Map()));
  if (action === 'create' && ids.has(id)) {
    stats.conflicts++;
    return {
      ...base,
      ...itemError(
        409,
        'version_conflict_engine_exception',
        `[${id}]: version conflict, document already exists (current version [1])`,
      ),
    };
  }
  const created = !ids.has(id);
  ids.set(id, true);
  stats.created++;
  stats.itemStatuses[created ? 201 : 200] = (stats.itemStatuses[created ? 201 : 200] || 0) + 1;
  return {
    ...base,
    _version: 1,
    result: created ? 'created' : 'updated',
    status: created ? 201 : 200,
    source,
  };
}

async function serveBulk(req, res, target) {
  const denied = authFailure(req);
  if (denied) {
    await readBody(req);
    return sendJson(res, ...denied);
  }
  const body = await readBody(req);
  if (body.tooLarge) {
    stats.statuses[413] = (stats.statuses[413] || 0) + 1;
    res.writeHead(413, { 'Content-Length': 0, Connection: 'close' });
    return res.end();
  }
  if (body.badEncoding)
    return sendJson(res, ...esError(400, 'parse_exception', 'request body is not valid gzip'));
  const text = body.text;
  if (!text.endsWith('\n')) {
    return sendJson(
      res,
      ...esError(400, 'illegal_argument_exception', 'The bulk request must be terminated by a newline [\\n]'),
    );
  }
  stats.bulkRequests++;
  if (body.gzip) stats.gzipRequests++;
  stats.largestBody = Math.max(stats.largestBody, Buffer.byteLength(text));
  const lines = text.split('\n');
  lines.pop();
  // Parse every action first: a malformed one fails the whole request, indexing nothing.
  const ops = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    let action;
    try {
      action = JSON.parse(lines[i]);
    } catch {
      return sendJson(
        res,
        ...esError(400, 'x_content_parse_exception', `[1:1] Malformed action/metadata line [${i + 1}]`),
      );
    }
    const name = action && typeof action === 'object' ? Object.keys(action)[0] : undefined;
    if (name !== 'create' && name !== 'index') {
      return sendJson(
        res,
        ...esError(
          400,
          'illegal_argument_exception',
          `Malformed action/metadata line [${i + 1}], expected one of [create, index]`,
        ),
      );
    }
    const meta = { ...action[name] };
    meta._index ??= target;
    if (!meta._index)
      return sendJson(res, ...esError(400, 'action_request_validation_exception', 'index is missing'));
    if (i + 1 >= lines.length) {
      return sendJson(
        res,
        ...esError(
          400,
          'illegal_argument_exception',
          `The bulk request must be terminated by a newline [\\n]`,
        ),
      );
    }
    ops.push({ name, meta, line: lines[++i] });
  }
  const start = Date.now();
  const items = [];
  let errors = false;
  for (const op of ops) {
    const { source, ...result } = indexDoc(op.name, op.meta, op.line);
    if (result.error) errors = true;
    else if (STORE_ALL) docs.push({ index: result._index, id: result._id, source, gzip: body.gzip });
    items.push({ [op.name]: result });
  }
  if (stats.bodies.length < 10000)
    stats.bodies.push({ bytes: Buffer.byteLength(text), docs: ops.length, gzip: body.gzip });
  return sendJson(res, 200, { took: Date.now() - start, errors, items });
}

async function control(req, res, p) {
  if (p === '/__faults' && req.method === 'POST') {
    faults = JSON.parse((await readBody(req)).text);
    return sendJson(res, 200, { ok: true });
  }
  if (p === '/__itemFaults' && req.method === 'POST') {
    itemFaults = JSON.parse((await readBody(req)).text);
    return sendJson(res, 200, { ok: true });
  }
  if (p === '/__config' && req.method === 'POST') {
    const c = JSON.parse((await readBody(req)).text);
    for (const k of ['apiKey', 'basic', 'maxBodyBytes', 'delayMs']) if (k in c) config[k] = c[k];
    return sendJson(res, 200, { ok: true });
  }
  if (p === '/__docs') {
    if (req.method === 'DELETE') {
      docs.length = 0;
      indices.clear();
    }
    return sendJson(res, 200, docs);
  }
  if (p === '/__stats') {
    if (req.method === 'DELETE') stats = { ...newStats(), inFlight: stats.inFlight };
    return sendJson(res, 200, stats);
  }
  res.writeHead(404);
  res.end();
}

async function handler(req, res) {
  const url = new URL(req.url, 'http://x');
  const p = url.pathname.replace(/\/+$/, '');
  if (p.startsWith('/__')) return control(req, res, p);
  stats.requests++;
  if (p === '' && (req.method === 'GET' || req.method === 'HEAD')) {
    if (faultApplies('root', req)) return serveFault(req, res);
    const denied = authFailure(req);
    if (denied) return sendJson(res, ...denied);
    return sendJson(res, 200, {
      name: 'es-receiver',
      cluster_name: 'contract',
      version: { number: '8.14.0', build_flavor: 'default' },
      tagline: 'You Know, for Search',
    });
  }
  const m = /^(?:\/([^/_][^/]*))?\/_bulk$/.exec(p);
  if (!m) return sendJson(res, ...esError(404, 'no_handler_found', `no handler found for uri [${p}]`));
  if (req.method !== 'POST' && req.method !== 'PUT') {
    return sendJson(res, ...esError(405, 'method_not_allowed', `Incorrect HTTP method for uri [${p}]`));
  }
  if (faultApplies('bulk', req)) return serveFault(req, res);
  stats.inFlight++;
  stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
  try {
    if (config.delayMs) await new Promise((r) => setTimeout(r, config.delayMs));
    return await serveBulk(req, res, m[1] && decodeURIComponent(m[1]));
  } finally {
    stats.inFlight--;
  }
}

function serve(q, s) {
  handler(q, s).catch((e) => {
    console.error(e);
    if (!s.headersSent) sendJson(s, ...esError(500, 'exception', 'internal error'));
  });
}

const server =
  process.env.ES_TLS === '1'
    ? https.createServer(
        { key: fs.readFileSync(process.env.ES_KEY), cert: fs.readFileSync(process.env.ES_CERT) },
        serve,
      )
    : http.createServer(serve);
server.keepAliveTimeout = 65000;
server.listen(PORT, '127.0.0.1', () =>
  console.log(
    `ES receiver on ${process.env.ES_TLS === '1' ? 'https' : 'http'}://127.0.0.1:${server.address().port}`,
  ),
);
function shutdown() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
if (process.env.ES_EXIT_ON_STDIN_EOF === '1') {
  process.stdin.on('end', shutdown);
  process.stdin.on('error', shutdown);
  process.stdin.resume();
}
