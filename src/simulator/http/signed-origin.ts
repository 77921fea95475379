import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Faults } from '../faults.js';
import { type BodyCut, type BodyPlan, TokenBucket, waitUnlessClosed, writeBody } from './body-writer.js';
import type { SimContext } from './context.js';
import { sendError } from './responses.js';

/**
 * The second origin, standing in for the cloud store behind the signed URLs. It authorises by
 * the URL alone and refuses any request carrying an Authorization header (as S3 refuses two auth
 * mechanisms), counting each one: that count is how tests prove a client never leaks its bearer
 * token across the redirect. Bodies are generated while streaming.
 */
export function createSignedHandler(ctx: SimContext): (req: IncomingMessage, res: ServerResponse) => void {
  const connectionBuckets = new WeakMap<Socket, TokenBucket>();

  function connectionBucket(socket: Socket, rate: number): TokenBucket | undefined {
    if (rate <= 0) return undefined;
    let bucket = connectionBuckets.get(socket);
    if (bucket === undefined || bucket.bytesPerSecond !== rate) {
      bucket = new TokenBucket(rate);
      connectionBuckets.set(socket, bucket);
    }
    return bucket;
  }

  function planBody(faults: Faults, socket: Socket, size: number): BodyPlan {
    let cut: BodyCut | undefined;
    if (ctx.dice.roll('resetMidBody', faults.resetMidBody)) cut = 'reset';
    else if (ctx.dice.roll('truncatedBody', faults.truncatedBody)) cut = 'truncate';
    else if (ctx.dice.roll('stall', faults.stall)) cut = 'stall';
    const buckets: TokenBucket[] = [];
    const perConnection = connectionBucket(socket, faults.bandwidthBytesPerSecond);
    if (perConnection !== undefined) buckets.push(perConnection);
    if (
      faults.slowBody !== null &&
      ctx.dice.roll('slowBody', { ratio: faults.slowBody.ratio, count: undefined })
    ) {
      buckets.push(new TokenBucket(faults.slowBody.bytesPerSecond));
    }
    return { cut, cutAtBytes: cut === undefined ? undefined : Math.floor(size / 2), buckets };
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    ctx.stats.signedRequests++;
    if (req.headers.authorization !== undefined) {
      ctx.stats.authHeadersOnSigned++;
      sendError(
        res,
        400,
        'invalid_request_error',
        'authorization_not_allowed',
        'Only one auth mechanism allowed: the signed URL authorises this request, remove the Authorization header.',
      );
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(res, 405, 'invalid_request_error', 'method_not_allowed', 'Use GET.', { allow: 'GET, HEAD' });
      return;
    }
    const match = /^\/signed\/([A-Za-z0-9_.-]+)$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
    if (match === null) {
      sendError(res, 404, 'not_found_error', 'not_found', 'No such object.');
      return;
    }
    const verdict = ctx.signer.verify(match[1]!);
    if (!verdict.ok) {
      ctx.stats.signedUrlsRefused++;
      const message =
        verdict.reason === 'expired'
          ? 'Request has expired: ask the API for a new download URL.'
          : 'The request signature does not match.';
      sendError(
        res,
        403,
        'permission_error',
        verdict.reason === 'expired' ? 'url_expired' : 'bad_signature',
        message,
      );
      return;
    }
    const file = ctx.catalog.resolve(verdict.file.principalId, verdict.file.fileId);
    if (file === undefined) {
      sendError(res, 404, 'not_found_error', 'not_found', 'No such object.');
      return;
    }
    const faults = ctx.faults();
    const size = ctx.files.size(file, faults);
    const plan = planBody(faults, req.socket, size);
    if (plan.cut === 'reset') ctx.stats.resets++;
    else if (plan.cut === 'truncate') ctx.stats.truncations++;
    else if (plan.cut === 'stall') ctx.stats.stalls++;
    if (faults.firstByteLatencyMs > 0 && !(await waitUnlessClosed(res, faults.firstByteLatencyMs))) return;
    res.writeHead(200, {
      'content-type': 'application/jsonl',
      'content-length': plan.cut === 'truncate' ? plan.cutAtBytes! : size,
      'content-disposition': `attachment; filename="${file.fileName}"`,
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const outcome = await writeBody(res, ctx.files.renderer(file, faults).chunks(), plan, (n) => {
      ctx.stats.bytesServed += n;
    });
    if (outcome === 'complete') ctx.stats.filesServed++;
  }

  return (req, res) => {
    serve(req, res).catch((err: unknown) => {
      // A generator bug must not take the simulator down; the client sees a broken response.
      res.destroy(err instanceof Error ? err : new Error(String(err)));
    });
  };
}
