// Tiny toxiproxy-like TCP fault proxy (no dependencies), loopback only.
// usage: node faultproxy.js <listenPort> <targetPort> [controlPort]
// control (HTTP on 127.0.0.1:controlPort, default listenPort+1000):
//   curl -X PUT localhost:CTRL/faults -d '{"latencyMs":200,"bandwidthKBps":64,"resetAfterBytes":1000,"blackhole":false,"refuse":false}'
//   curl localhost:CTRL/stats
// Faults apply to new and existing connections, client->server and server->client.
const net = require('node:net'),
  http = require('node:http');
const [LISTEN, TARGET, CTRL = Number(process.argv[2]) + 1000] = process.argv.slice(2).map(Number);
let f = {};
const stats = { conns: 0, bytesUp: 0, bytesDown: 0, resets: 0 };
const conns = new Set();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function pump(src, dst, dir, state) {
  let chain = Promise.resolve();
  src.on('data', (chunk) => {
    src.pause();
    chain = chain
      .then(async () => {
        if (f.blackhole) return; // swallow bytes, keep socket open
        if (f.latencyMs) await sleep(f.latencyMs);
        if (f.bandwidthKBps) await sleep((chunk.length / 1024 / f.bandwidthKBps) * 1000);
        state.bytes += chunk.length;
        stats[dir] += chunk.length;
        if (f.resetAfterBytes && state.bytes > f.resetAfterBytes) {
          stats.resets++;
          src.resetAndDestroy?.();
          dst.resetAndDestroy?.();
          return;
        }
        if (!dst.destroyed) dst.write(chunk);
      })
      .finally(() => src.resume());
  });
  src.on('end', () => chain.then(() => dst.end()));
  src.on('error', () => dst.destroy());
  src.on('close', () => chain.then(() => dst.end())); // flush delayed bytes first
}
net
  .createServer((client) => {
    if (f.refuse) return client.resetAndDestroy();
    stats.conns++;
    const server = net.connect(TARGET, '127.0.0.1');
    conns.add(client);
    client.on('close', () => conns.delete(client));
    const state = { bytes: 0 };
    pump(client, server, 'bytesUp', state);
    pump(server, client, 'bytesDown', state);
  })
  .listen(LISTEN, '127.0.0.1');
http
  .createServer((req, res) => {
    let b = '';
    req.on('data', (c) => (b += c));
    req.on('end', () => {
      if (req.method === 'PUT' && req.url === '/faults') {
        f = b ? JSON.parse(b) : {};
        if (f.resetAll) {
          for (const c of conns) c.resetAndDestroy();
        }
      }
      res.end(JSON.stringify(req.url === '/stats' ? { ...stats, open: conns.size, faults: f } : f) + '\n');
    });
  })
  .listen(CTRL, '127.0.0.1', () =>
    console.log(`faultproxy 127.0.0.1:${LISTEN} -> 127.0.0.1:${TARGET}, control :${CTRL}`),
  );
