import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimContext } from './context.js';
import { sendError, sendJson } from './responses.js';

const MAX_BODY_BYTES = 64 * 1024;

/**
 * The test and benchmark control surface on the API origin (no key needed; the simulator only
 * listens on 127.0.0.1):
 *   GET    /__control/faults       the faults in force
 *   POST   /__control/faults       merge a JSON patch, same shape as `sim.setFaults()`
 *   DELETE /__control/faults       back to the faults given at construction
 *   GET    /__control/stats        `sim.stats()`
 *   DELETE /__control/rate-limits  forget every key's request history
 */
export async function handleControl(
  ctx: SimContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  if (path === '/__control/stats' && req.method === 'GET') return sendJson(res, 200, ctx.stats);
  if (path === '/__control/rate-limits' && req.method === 'DELETE') {
    ctx.limiter.reset();
    return sendJson(res, 200, { ok: true });
  }
  if (path !== '/__control/faults') {
    return sendError(res, 404, 'not_found_error', 'not_found', `No control route ${req.method} ${path}.`);
  }
  if (req.method === 'GET') return sendJson(res, 200, ctx.faults());
  if (req.method === 'DELETE') {
    ctx.resetFaults();
    return sendJson(res, 200, ctx.faults());
  }
  if (req.method !== 'POST') {
    return sendError(res, 405, 'invalid_request_error', 'method_not_allowed', 'Use GET, POST or DELETE.');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      return sendError(
        res,
        413,
        'invalid_request_error',
        'body_too_large',
        'Fault patches are small JSON objects.',
      );
    }
    chunks.push(chunk as Buffer);
  }
  let input: unknown;
  try {
    input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return sendError(res, 400, 'invalid_request_error', 'invalid_json', 'The body must be a JSON object.');
  }
  const problem = ctx.patchFaults(input);
  if (problem !== undefined) return sendError(res, 400, 'invalid_request_error', 'invalid_faults', problem);
  return sendJson(res, 200, ctx.faults());
}
