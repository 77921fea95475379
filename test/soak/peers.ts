/**
 * The soak's peers, all on 127.0.0.1: two simulators (the Compliance Logs Platform in fast live
 * time, and the API audit log on the real clock, because the audit-logs source lists up to its
 * own "now"), a local directory the harness keeps adding JSONL files to (the files source), and
 * the four sinks' receivers: the Kafka-protocol broker, the HEC receiver with acknowledgements,
 * rsyslog over TCP+TLS, and a directory for the file sink.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Simulator } from '../../src/simulator/index.js';
import { type HecReceiver, startHecReceiver } from '../infra/hec-receiver.js';
import { type KafkaBroker, startKafkaBroker } from '../infra/kafka.js';
import { type RsyslogReceiver, startRsyslog } from '../infra/rsyslog.js';

/** Ten simulated minutes per window, closing every `WINDOW_MS / speed` real milliseconds. */
export const WINDOW_MS = 600_000;
export const KAFKA_TOPIC = 'soak';
export const HEC_TOKEN = '5f1c3c52-1a55-4f52-9d0c-50a4c1d0e2a7';

const small = (min: number, max: number) => ({
  fileRatio: 1,
  filesPerWindow: { min: 1, max: 2 },
  recordsPerFile: { min, max },
});

/** Generous upstream limits: the forwarder's own client-side limits are the ones that bind. */
const OPEN_LIMITS = {
  list: { limit: 2000, windowMs: 60_000 },
  download: { limit: 2000, windowMs: 60_000 },
};

export interface Peers {
  readonly speed: number;
  /** Compliance Logs Platform, sim time = real time - offset + elapsed * speed (never ahead). */
  readonly compliance: Simulator;
  /** API audit log on the real clock. */
  readonly audit: Simulator;
  readonly kafka: KafkaBroker;
  hec: HecReceiver;
  readonly rsyslog: RsyslogReceiver;
  readonly archiveDir: string;
  readonly fileSinkDir: string;
  /** Files the harness wrote into archiveDir and the event ids in them. */
  readonly archive: { files: number; ids: string[] };
  /** The compliance principals and their event types. */
  readonly principals: ReadonlyArray<{ id: string; eventTypes: string[] }>;
}

export async function startPeers(dir: string, speed: number, runMs: number): Promise<Peers> {
  // The simulated clock runs behind the real one by more than it gains in the run, so no file
  // ever has an end_time in the forwarder's future.
  const offsetMs = (runMs + 20 * 60_000) * speed;
  const compliance = new Simulator({
    seed: 'soak-compliance',
    live: { speed },
    clock: () => new Date(Date.now() - offsetMs),
    windowMs: WINDOW_MS,
    spanMs: 24 * 3_600_000,
    duplicateRatio: 0,
    profiles: {
      CONVERSATION_MESSAGE: small(2, 10),
      AUDIT_LOG: small(3, 20),
      AUTH_LOG: small(3, 20),
      CODEX_LOG: small(3, 20),
      APP_LOG: small(3, 20),
    },
    faults: { rateLimit: OPEN_LIMITS },
  });
  const audit = new Simulator({
    seed: 'soak-audit',
    live: true,
    spanMs: 30 * 60_000 + runMs,
    auditLogs: { eventsPerMinute: { min: 20, max: 60 } },
    faults: { rateLimit: OPEN_LIMITS },
  });
  await compliance.start();
  await audit.start();
  const archiveDir = join(dir, 'archive');
  const fileSinkDir = join(dir, 'out-file');
  await mkdir(archiveDir, { recursive: true });
  await mkdir(fileSinkDir, { recursive: true });
  const kafka = await startKafkaBroker({ brokers: 1, topics: [`${KAFKA_TOPIC}:3`] });
  const hec = await startHecReceiver({ token: HEC_TOKEN, ack: true });
  const rsyslog = await startRsyslog();
  const ws = compliance.sampleWorkspaceId;
  const principals = [
    { id: ws, eventTypes: ['CONVERSATION_MESSAGE', 'AUDIT_LOG', 'AUTH_LOG'] },
    { id: '3f0d2c1e-5b7a-4c9d-8e1f-2a3b4c5d6e7f', eventTypes: ['AUDIT_LOG', 'CODEX_LOG'] },
    { id: compliance.sampleOrgId, eventTypes: ['APP_LOG'] },
  ];
  return {
    speed,
    compliance,
    audit,
    kafka,
    hec,
    rsyslog,
    archiveDir,
    fileSinkDir,
    archive: { files: 0, ids: [] },
    principals,
  };
}

/** Adds one whole JSONL file to the archive directory (written aside, then renamed in). */
export async function addArchiveFile(peers: Peers, records: number): Promise<void> {
  const n = ++peers.archive.files;
  const name = `soak-${String(n).padStart(6, '0')}.jsonl`;
  const lines: string[] = [];
  for (let i = 0; i < records; i++) {
    const id = `archive-${n}-${i}`;
    peers.archive.ids.push(id);
    lines.push(
      JSON.stringify({
        event_id: id,
        timestamp: new Date().toISOString(),
        action: 'archive.replayed',
        detail: { file: n, line: i, note: 'x'.repeat(40 + ((n * 7 + i) % 200)) },
      }),
    );
  }
  const tmp = join(peers.archiveDir, `.${name}.tmp`);
  await writeFile(tmp, `${lines.join('\n')}\n`);
  await rename(tmp, join(peers.archiveDir, name));
}

/** The HEC receiver restarted on the same port (what it held is read first by the caller). */
export async function restartHec(peers: Peers): Promise<void> {
  const port = Number(new URL(peers.hec.url).port);
  await peers.hec.stop();
  peers.hec = await startHecReceiver({ token: HEC_TOKEN, ack: true, port });
}

export async function stopPeers(peers: Peers): Promise<void> {
  await Promise.allSettled([
    peers.compliance.stop(),
    peers.audit.stop(),
    peers.kafka.stop(),
    peers.hec.stop(),
    peers.rsyslog.close(),
  ]);
}

/** The forwarder's config: every source, every sink, no routes (each record goes everywhere). */
export function forwarderConfig(peers: Peers, dir: string): Record<string, unknown> {
  const c = peers.compliance.info;
  return {
    source: {
      baseUrl: c.baseUrl,
      apiKey: { env: 'COMPLIANCE_API_KEY' },
      listsPerMinute: 600,
      downloadsPerMinute: 600,
      initialBackoffMs: 200,
      maxBackoffMs: 5000,
      maxAttempts: 4,
    },
    pipeline: { concurrency: 4, skipExpiredFiles: true },
    // A window that fills in minutes (the soak serves about 29,000 events an hour): the last two
    // thirds then show the window evicting, its steady state. The default 100,000 ids would still
    // be filling after an hour, and its memory (bounded: 48 bytes an id, plus one key per file
    // with an id in it) would look like a slow leak. The simulator repeats no event here
    // (duplicateRatio 0), so the window's size changes no delivery verdict.
    enrich: { dedupe: { maxEntries: 2000 } },
    principals: peers.principals,
    sources: [
      {
        type: 'audit-logs',
        organizationId: peers.audit.sampleOrgId,
        baseUrl: peers.audit.info.apiBase,
        adminKey: { env: 'OPENAI_ADMIN_KEY' },
        requestsPerMinute: 600,
        initialBackoffMs: 200,
        maxBackoffMs: 5000,
        maxAttempts: 4,
      },
      { type: 'files', paths: [join(peers.archiveDir, '*.jsonl')], eventType: 'LOCAL_ARCHIVE' },
    ],
    sinks: [
      {
        type: 'kafka',
        name: 'kafka',
        brokers: peers.kafka.brokers,
        topic: KAFKA_TOPIC,
        autoCreateTopics: false,
      },
      {
        type: 'splunk-hec',
        name: 'hec',
        url: peers.hec.url,
        token: { env: 'SOAK_HEC_TOKEN' },
        useAck: true,
        ackPollIntervalMs: 1000,
      },
      {
        type: 'syslog',
        name: 'syslog',
        url: peers.rsyslog.url('tls'),
        tls: { caFile: peers.rsyslog.caFile },
      },
      { type: 'file', name: 'file', directory: peers.fileSinkDir, fsync: false },
    ],
    state: { dir: join(dir, 'state') },
    deadLetter: { path: join(dir, 'dead-letter.jsonl') },
    service: {
      pollIntervalMs: 2000,
      pollJitterRatio: 0.1,
      lookback: new Date(peers.compliance.now().getTime() - 2 * WINDOW_MS).toISOString(),
      httpPort: 0,
      httpHost: '127.0.0.1',
      shutdownGraceMs: 20_000,
      failureBackoffInitialMs: 1000,
      failureBackoffMaxMs: 10_000,
    },
    log: { level: 'info' },
  };
}

export function forwarderEnv(peers: Peers): Record<string, string> {
  return {
    COMPLIANCE_API_KEY: peers.compliance.info.apiKey,
    OPENAI_ADMIN_KEY: peers.audit.info.apiKey,
    SOAK_HEC_TOKEN: HEC_TOKEN,
  };
}
