import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { WORK_DIR } from './paths.js';
import { MIB } from './stats.js';

/**
 * The JSON Lines archive the files_to_* scenarios replay: CONVERSATION_MESSAGE-like records of
 * about 1.5 KB (an event id, type, ISO timestamp, actor, conversation, a message with mixed UTF-8
 * text), made by a seeded generator so every run and every contender reads the same bytes. Event
 * ids are unique (the forwarder de-duplicates; a repeated id would change its count). Kept in
 * benchmarks/.work/archives between suites: a 500 MB archive takes a few seconds to write.
 */
export interface Archive {
  readonly path: string;
  readonly records: number;
  readonly bytes: number;
}

const WORDS = (
  'the quarterly report policy review customer data retention export please summarise the meeting ' +
  'notes draft reply budget forecast café naïve résumé 数据 分析 報告 данные отчёт تقرير user asked ' +
  'assistant answered compliance audit contract invoice schedule'
).split(' ');

/** Bump when record() or the seed changes. */
const GENERATOR_VERSION = 1;

/** xorshift32: fast, deterministic, good enough to vary text. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const hex = (n: number, digits: number) => (n >>> 0).toString(16).padStart(8, '0').slice(-digits);
const uuid = (a: number, b: number, c: number) =>
  `${hex(a, 8)}-${hex(b, 4)}-4${hex(b >>> 16, 3)}-a${hex(c, 3)}-${hex(c >>> 12, 4)}${hex(a ^ b, 8)}`;

function record(i: number, next: () => number): string {
  const words: string[] = [];
  // 100-150 words: the line comes to 1.3-1.8 KB with the envelope (1.55 KB on average).
  const count = 100 + (next() % 50);
  for (let w = 0; w < count; w++) words.push(WORDS[next() % WORDS.length]!);
  const ms = Date.UTC(2026, 0, 15) + i * 250;
  const user = next() % 5000;
  const conversation = next();
  return JSON.stringify({
    event_id: uuid(i, next(), next()),
    type: 'CONVERSATION_MESSAGE',
    timestamp: new Date(ms).toISOString(),
    workspace_id: '5d0c8a1e-3c1b-4f7e-9a52-2d7f1c0b9e11',
    actor: { type: 'user', id: `user-${user}`, email: `user${user}@example.com` },
    conversation: { id: uuid(conversation, conversation >>> 3, user), title: words.slice(0, 6).join(' ') },
    message: {
      id: uuid(next(), i, next()),
      author: { role: next() % 2 === 0 ? 'user' : 'assistant' },
      create_time: ms / 1000,
      content: { content_type: 'text', parts: [words.join(' ')] },
      metadata: { model_slug: 'gpt-4o', client_ip_details: { country: 'FR', city: 'Lyon', asn: 64500 } },
    },
  });
}

/** The archive of at least `bytes` bytes (whole records), written once and then reused. */
export function archiveOf(bytes: number): Archive {
  const dir = join(WORK_DIR, 'archives');
  // The generator's version is in the name: a changed generator must not reuse an old archive.
  const name = `conversations-v${GENERATOR_VERSION}-${Math.round(bytes / MIB)}MiB`;
  const path = join(dir, `${name}.jsonl`);
  const countPath = join(dir, `${name}.records`);
  if (existsSync(path) && existsSync(countPath)) {
    const records = Number(readFileSync(countPath, 'utf8'));
    if (records > 0) return { path, records, bytes: statSync(path).size };
  }
  mkdirSync(dir, { recursive: true });
  const next = prng(0x5eed);
  const temporary = `${path}.partial`;
  const fd = openSync(temporary, 'w');
  let written = 0;
  let records = 0;
  try {
    while (written < bytes) {
      const lines: string[] = [];
      for (let n = 0; n < 2000 && written < bytes; n++) {
        const line = `${record(records++, next)}\n`;
        lines.push(line);
        written += Buffer.byteLength(line);
      }
      writeSync(fd, lines.join(''));
    }
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  writeFileSync(countPath, `${records}\n`);
  return { path, records, bytes: written };
}
