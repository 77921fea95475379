'use strict';

const zlib = require('node:zlib');

// Reads a request body for the ES and HEC contract receivers. Counts bytes on the wire
// (countWire) for the 413 limit (config.maxBodyBytes, read as the body arrives), and keeps
// draining after the limit so the 413 reaches the client instead of a reset. Resolves
// { tooLarge }, { badEncoding } or { text, gzip }.
function readBody(req, config, countWire) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let wire = 0;
    let tooLarge = false;
    req.on('data', (c) => {
      wire += c.length;
      countWire(c.length);
      if (wire > config.maxBodyBytes) {
        tooLarge = true;
        chunks.length = 0;
      } else if (!tooLarge) chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
      if (tooLarge) return resolve({ tooLarge: true });
      const raw = Buffer.concat(chunks);
      const enc = String(req.headers['content-encoding'] || '').toLowerCase();
      if (enc === 'gzip') {
        zlib.gunzip(raw, (err, out) =>
          err ? resolve({ badEncoding: true }) : resolve({ text: out.toString('utf8'), gzip: true }),
        );
      } else if (enc === '' || enc === 'identity') resolve({ text: raw.toString('utf8'), gzip: false });
      else resolve({ badEncoding: true });
    });
  });
}

module.exports = { readBody };
