import type { Delivery, PipelineRecord, SourceRef } from '../../src/core/record.js';

/**
 * The records the HTTP sink benches send (benchmarks/sinks/splunk-hec.ts, elasticsearch.ts, http.ts);
 * the syslog bench makes its own pool but shares the templates' shape and the generator:
 * 1-2 KB AUDIT_LOG and CONVERSATION_MESSAGE lines in mixed scripts, made from a pool of templates
 * around their event id, each carrying `lineBytes` as records from the pipeline's splitter do.
 */

/** Templates in the pool; record i uses template i mod POOL. */
export const POOL = 1024;

const SENTENCES = [
  'Please summarise the incident review and list the owners of each follow-up.',
  'The nightly export stopped after the certificate rotation; the job needs the new CA bundle.',
  'Pouvez-vous traduire ce paragraphe en anglais en gardant le ton formel ?',
  'Bitte prüfen Sie die Zahlen im Anhang, bevor der Bericht verschickt wird.',
  '顧客向けのメールを丁寧な表現で書き直してください。',
  'Проверьте, пожалуйста, формулы в третьей колонке таблицы.',
  'Shipped it ✅ the latency graph finally looks flat 📉',
  'const rows = await db.query("SELECT id, email FROM users WHERE active = true LIMIT 100");',
  'Retention for compliance exports is thirty days, after which files are no longer listed.',
];
const SYLLABLES = 'ka,lo,mi,ne,ru,sa,to,vi,en,or,an,el,is,th,re,de,ch,qu,ber,ton,gar,mel,pri,sto,val'.split(
  ',',
);
/**
 * Text that compresses like prose (gzip about 3x), not like a repeated sentence: the fixed
 * sentences alone would flatter gzip by an order of magnitude.
 */
function prose(seed: number, words: number): string {
  // An LCG in 32-bit arithmetic (Math.imul: a plain multiply loses the low bits in a double),
  // read from its high bits (the low ones cycle quickly).
  let x = (Math.imul(seed + 1, 2654435761) + 1) >>> 0;
  const next = () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x >>> 16;
  };
  const out: string[] = [];
  for (let w = 0; w < words; w++) {
    let word = '';
    for (let k = 1 + (next() % 3); k > 0; k--) word += SYLLABLES[next() % SYLLABLES.length];
    out.push(next() % 11 === 0 ? `${word}.` : word);
  }
  return out.join(' ');
}
const WORKSPACE = '0f1e2d3c-4b5a-4697-8877-665544332211';
/** The source of a record of `eventType` from one workspace's export file. */
export function sourceFor(eventType: string, workspace = WORKSPACE): SourceRef {
  return {
    source: 'compliance-logs',
    stream: `workspace/${workspace}/${eventType}`,
    principalId: workspace,
    principalType: 'CHATGPT_WORKSPACE',
    eventType,
    fileId: `file-${eventType.toLowerCase()}-0001`,
    fileName: `${eventType}_2026-11-20T10:00:00+00:00.jsonl`,
    endTime: '2026-11-20T10:00:00Z',
  };
}
const AUDIT = sourceFor('AUDIT_LOG');
const CHAT = sourceFor('CONVERSATION_MESSAGE');

export interface Template {
  readonly before: string;
  readonly after: string;
  readonly timestamp: string;
  readonly source: SourceRef;
  /** UTF-8 size of the line with its event id (12 ASCII characters), known once per template. */
  readonly bytes: number;
}

/**
 * Realistic records split around their event id, so making one costs a concatenation and its UTF-8
 * size is known without scanning it (as the splitter knows it in the pipeline).
 */
export function makePool(): Template[] {
  const pool: Template[] = [];
  for (let i = 0; i < POOL; i++) {
    const timestamp = new Date(Date.UTC(2026, 10, 20, 10) + i * 1009).toISOString();
    const text = `${SENTENCES[i % SENTENCES.length]} ${prose(i, 100 + ((i * 37) % 160))}`;
    const base = {
      event_id: '@@EVENT_ID@@',
      timestamp,
      principal: { id: WORKSPACE, type: 'CHATGPT_WORKSPACE' },
      actor: { type: 'ACCOUNT_USER', user_id: `user-${i % 89}`, user_email: `member${i % 89}@example.com` },
    };
    const audit = i % 2 === 0;
    const obj = audit
      ? {
          ...base,
          type: 'AUDIT_LOG',
          action: ['gpt.created', 'conversation.shared', 'file.uploaded', 'user.login'][i % 4],
          action_result: i % 9 === 0 ? 'BLOCKED' : 'SUCCESS',
          request_metadata: {
            client_ip: `198.51.100.${i % 250}`,
            client_ip_details: { country: 'DE', city: 'Köln', asn: 64512 + (i % 7) },
            client_user_agent:
              'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/129.0 Safari/537.36',
          },
          action_data: { object_id: `obj-${i}`, detail: text.slice(0, 400) },
        }
      : {
          ...base,
          type: 'CONVERSATION_MESSAGE',
          message: {
            id: `msg-${i}`,
            created_at: timestamp,
            author: { role: i % 3 === 0 ? 'user' : 'assistant' },
            content: { type: 'text', parts: [text] },
          },
          conversation: { id: `conv-${i % 61}`, title: SENTENCES[i % SENTENCES.length] },
        };
    const [before, after] = JSON.stringify(obj).split('@@EVENT_ID@@') as [string, string];
    const source = audit ? AUDIT : CHAT;
    pool.push({
      before,
      after,
      timestamp,
      source,
      bytes: Buffer.byteLength(before + after) + EVENT_ID_CHARS,
    });
  }
  return pool;
}

const delivery: Delivery = { ack() {}, fail() {} };
/** `evt-` and 8 digits: the event id's length for up to 10^8 records. */
export const EVENT_ID_CHARS = 12;

export function* generate(pool: readonly Template[], count: number): Generator<PipelineRecord> {
  for (let i = 0; i < count; i++) {
    const t = pool[i % pool.length]!;
    const eventId = `evt-${String(i).padStart(8, '0')}`;
    yield {
      line: t.before + eventId + t.after,
      eventId,
      timestamp: t.timestamp,
      lineNumber: i + 1,
      source: t.source,
      delivery,
      lineBytes: t.bytes,
    };
  }
}
