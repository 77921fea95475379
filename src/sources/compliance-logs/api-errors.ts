import { CfError } from '../../core/errors/index.js';
import { type HttpResponse, httpStatusError, readErrorMessage } from '../../http/index.js';
import type { FileDescriptor } from './list-page.js';

/**
 * The CfError for an unsuccessful answer of the API host (List or Download). 401/403 say what
 * to check (the key is wrong, revoked, or lacks the event type's scope) and never the key; a 404
 * on List points at the principal id or base URL. Consumes the body.
 */
export async function complianceApiError(
  what: string,
  res: HttpResponse,
  eventTypes: readonly string[],
  principalId: string,
): Promise<CfError> {
  if (res.statusCode !== 401 && res.statusCode !== 403) {
    const err = await httpStatusError(what, res);
    if (res.statusCode !== 404) return err;
    return new CfError(
      err.code,
      `${err.message} Check the principal id (${principalId}) and the base URL.`,
      err.details ? { details: err.details } : {},
    );
  }
  const said = await readErrorMessage(res.body);
  const types = eventTypes.join(', ');
  return new CfError(
    'CF_ERR_HTTP_AUTH',
    `${what} answered HTTP ${res.statusCode}: the API key is wrong, revoked, or lacks the scope for ` +
      `event type ${types} (chatgpt.enterprise.compliance_logs_platform.read, or the per-type ` +
      `compliance_logs_platform scope)${said ? `. The API said: ${said}` : '.'}`,
    { details: { status: res.statusCode, eventTypes: [...eventTypes] } },
  );
}

/** Download answered 404: the file expired (30-day retention) or is gone. Not retriable. */
export async function fileExpiredError(file: FileDescriptor, res: HttpResponse): Promise<CfError> {
  const said = await readErrorMessage(res.body);
  return new CfError(
    'CF_ERR_FILE_EXPIRED',
    `Log file ${file.id} (${file.file_name}, end_time ${file.end_time}) is no longer available (HTTP 404): ` +
      `it expired past the 30-day retention or was removed${said ? ` (${said})` : ''}.`,
    { details: { fileId: file.id, fileName: file.file_name, endTime: file.end_time, status: 404 } },
  );
}
