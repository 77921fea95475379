import type { Delivery, PipelineRecord, SourceRef } from '../../src/core/record.js';

/** Counts acks and failures, so a test can assert what a sink acknowledged. */
export class CountingDelivery implements Delivery {
  acked = 0;
  failures: unknown[] = [];
  ack(): void {
    this.acked++;
  }
  fail(err: unknown): void {
    this.failures.push(err);
  }
}

export function sourceRef(overrides: Partial<SourceRef> = {}): SourceRef {
  return {
    source: 'compliance-logs',
    stream: 'workspace/11111111-2222-4333-8444-555555555555/AUDIT_LOG',
    principalId: '11111111-2222-4333-8444-555555555555',
    principalType: 'CHATGPT_WORKSPACE',
    eventType: 'AUDIT_LOG',
    fileId: 'file-0001',
    fileName: 'AUDIT_LOG_2026-11-20T10:00:00+00:00.jsonl',
    endTime: '2026-11-20T10:00:00Z',
    ...overrides,
  };
}

/** A record as the pipeline would hand it to a sink; `fields` become the JSON object. */
export function makeRecord(
  n: number,
  delivery: Delivery = new CountingDelivery(),
  fields: Record<string, unknown> = {},
  source: SourceRef = sourceRef(),
): PipelineRecord {
  const obj = {
    event_id: `evt-${String(n).padStart(6, '0')}`,
    type: source.eventType,
    timestamp: new Date(Date.UTC(2026, 10, 20, 10, 0, 0) + n * 1000).toISOString(),
    principal: { id: source.principalId, type: source.principalType },
    actor: { type: 'ACCOUNT_USER', user_id: 'user-1', user_email: 'a@example.com' },
    ...fields,
  };
  return {
    line: JSON.stringify(obj),
    eventId: obj.event_id,
    timestamp: obj.timestamp,
    lineNumber: n,
    source,
    delivery,
    parsed: obj,
  };
}

/** Deliveries that log, in one shared list, which file each acknowledgement (or failure) was for. */
export function loggingDeliveries(log: string[], ...files: string[]): Delivery[] {
  return files.map((file) => ({
    ack: () => log.push(file),
    fail: () => log.push(`${file}:failed`),
  }));
}
