import type { ServerResponse } from 'node:http';
import { fileIsAffected } from '../faults.js';
import { type ApiKey, KeyRing } from './auth.js';
import type { SimContext } from './context.js';
import { sendError } from './responses.js';

const SERVER_ERROR_STATUSES = [500, 502, 503, 504] as const;

/**
 * GET .../logs/{file_id}: answers 307 to a signed URL on the download origin. Like the real API
 * it never serves the bytes itself, so a client must follow a cross-origin redirect, and a
 * client that keeps its bearer token on that hop is caught (and counted) by the signed origin.
 */
export function handleDownload(
  ctx: SimContext,
  res: ServerResponse,
  principalId: string,
  fileId: string,
  key: ApiKey,
): void {
  const file = ctx.catalog.resolve(principalId, fileId);
  if (file === undefined) {
    sendError(res, 404, 'not_found_error', 'file_not_found', `No log file ${fileId} for ${principalId}.`);
    return;
  }
  const nowMs = ctx.clock.nowMs();
  if (file.endMs > nowMs) {
    sendError(res, 404, 'not_found_error', 'file_not_found', `No log file ${fileId} for ${principalId}.`);
    return;
  }
  if (!KeyRing.isScoped(key, file.eventType)) {
    ctx.stats.authFailures++;
    sendError(
      res,
      403,
      'permission_error',
      'insufficient_scope',
      `The API key is not authorized for event_type ${file.eventType}.`,
    );
    return;
  }
  const faults = ctx.faults();
  if (ctx.dice.roll('downloadServerErrors', faults.downloadServerErrors)) {
    ctx.stats.serverErrors++;
    const status = SERVER_ERROR_STATUSES[ctx.stats.serverErrors % SERVER_ERROR_STATUSES.length]!;
    sendError(res, status, 'server_error', 'server_error', `Injected ${status} on download.`);
    return;
  }
  const expired =
    !ctx.catalog.isVisible(file, nowMs) ||
    faults.expiredFiles.fileIds.includes(file.id) ||
    fileIsAffected(ctx.seedHash, file.id, 'expiredFiles', faults.expiredFiles.ratio);
  if (expired) {
    ctx.stats.expiredFiles++;
    sendError(res, 404, 'not_found_error', 'file_expired', `Log file ${fileId} has expired or is gone.`);
    return;
  }
  const location = `${ctx.downloadOrigin()}/signed/${ctx.signer.sign({ principalId, fileId })}`;
  ctx.stats.redirects++;
  res.writeHead(307, { location, 'content-length': 0, 'cache-control': 'no-store' });
  res.end();
}
