import type { Readable } from 'node:stream';
import type { PrincipalType } from '../../core/record.js';
import type { ListedFile, StreamSource } from '../../core/stream-source.js';
import type { WatermarkPosition } from '../../core/watermark-position.js';
import type { ComplianceLogsClient, FileDescriptor } from './client.js';
import { listFiles } from './pager.js';

export interface ComplianceStreamOptions {
  readonly principalId: string;
  readonly eventType: string;
  /** ISO-8601, exclusive. */
  readonly after: string;
  /** ISO-8601, exclusive. */
  readonly before?: string;
  readonly pageSize: number;
  readonly maxPages?: number;
  readonly resume?: WatermarkPosition;
}

export function principalTypeOf(principalId: string): PrincipalType {
  return principalId.startsWith('org-') ? 'API_PLATFORM_ORG' : 'CHATGPT_WORKSPACE';
}

/** The stream key, also the checkpoint's identity: `workspace/<id>/<TYPE>` or `organization/<id>/<TYPE>`. */
export function complianceStreamKey(principalId: string, eventType: string): string {
  const kind = principalTypeOf(principalId) === 'API_PLATFORM_ORG' ? 'organization' : 'workspace';
  return `${kind}/${principalId}/${eventType}`;
}

/**
 * One (principal, event type) stream of the Compliance Logs Platform: lists lazily from the
 * later of the window start and the checkpoint, dropping the file ids the checkpoint already
 * holds at its end time.
 */
export function complianceLogsStream(client: ComplianceLogsClient, o: ComplianceStreamOptions): StreamSource {
  const descriptors = new Map<string, FileDescriptor>();
  const resumeWins = o.resume !== undefined && Date.parse(o.resume.endTime) >= Date.parse(o.after);
  const resume = resumeWins ? o.resume : undefined;
  return {
    key: complianceStreamKey(o.principalId, o.eventType),
    source: 'compliance-logs',
    principalId: o.principalId,
    principalType: principalTypeOf(o.principalId),
    eventType: o.eventType,
    ...(resume === undefined ? {} : { resume }),
    async *files(signal: AbortSignal): AsyncGenerator<ListedFile> {
      const pages = listFiles(
        client,
        {
          eventType: o.eventType,
          after: resume?.endTime ?? o.after,
          ...(o.before === undefined ? {} : { before: o.before }),
          pageSize: o.pageSize,
          ...(o.maxPages === undefined ? {} : { maxPages: o.maxPages }),
          ...(resume === undefined ? {} : { seenAtAfter: [...resume.idsAtEndTime] }),
        },
        signal,
      );
      for await (const d of pages) {
        descriptors.set(d.id, d);
        yield { id: d.id, fileName: d.file_name, endTime: d.end_time, sizeBytes: d.file_size };
      }
    },
    open(file: ListedFile, signal: AbortSignal): Readable {
      const d = descriptors.get(file.id);
      if (d === undefined) throw new Error(`file ${file.id} was not listed by this stream`);
      descriptors.delete(file.id);
      return client.openFile(d, signal);
    },
  };
}
