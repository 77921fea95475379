import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { CfError } from '../core/errors/index.js';
import { redactedKeyId } from '../core/secret.js';
import { Catalog, isoSeconds } from './catalog.js';
import { SimClock } from './clock.js';
import { type EventType, eventTypesFor, principalKindOf } from './event-types.js';
import {
  DEFAULT_FAULTS,
  FaultDice,
  type Faults,
  type FaultsInput,
  mergeFaults,
  parseFaults,
} from './faults.js';
import { type FileFacts, FileStore } from './file-store.js';
import { createApiHandler } from './http/api-origin.js';
import { type ApiKey, KeyRing } from './http/auth.js';
import type { SimContext } from './http/context.js';
import { parseIsoTime } from './http/list-query.js';
import { RateLimiter } from './http/rate-limiter.js';
import { createSignedHandler } from './http/signed-origin.js';
import { UrlSigner } from './http/signed-url.js';
import { type ResolvedOptions, resolveOptions, type SimulatorOptions } from './options.js';
import { combine, hashString, hexString, Prng, uuidString } from './random.js';
import { RecordSource } from './record-source.js';
import { emptyStats, type SimulatorStats } from './stats.js';
import { AuditLogEvents, type SimAuditEvent } from './templates/audit-log-events.js';
import { TemplateStore } from './templates/index.js';
import { type ConversationVersion, LegacyConversations } from './templates/legacy-conversations.js';

/** Where a started simulator listens and how to talk to it. */
export interface SimulatorInfo {
  /** `http://127.0.0.1:PORT/v1/compliance`, the value for COMPLIANCE_API_BASE. */
  readonly baseUrl: string;
  /** `http://127.0.0.1:PORT/v1`, the value for OPENAI_API_BASE (the audit log route is under it). */
  readonly apiBase: string;
  /** `http://127.0.0.1:PORT`: also serves /__control/*. */
  readonly apiOrigin: string;
  /** `http://127.0.0.1:PORT2`, the signed-URL origin that downloads redirect to. */
  readonly downloadOrigin: string;
  readonly apiKey: string;
  /** A workspace and an organization with data (any well-formed id has data). */
  readonly sampleWorkspaceId: string;
  readonly sampleOrgId: string;
  readonly port: number;
  readonly downloadPort: number;
}

/** A file as the catalog knows it, without hashing it. */
export interface SimulatedFile {
  readonly id: string;
  readonly principalId: string;
  readonly eventType: EventType;
  /** `2026-07-09T13:00:00Z` */
  readonly endTime: string;
  readonly fileName: string;
  /** Files of one window share an end_time; part orders them. Extra files have part >= 128. */
  readonly part: number;
  /** Exact size of the served bytes under the current content faults. */
  readonly sizeBytes: number;
}

function toMs(value: string | Date | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  const ms = value instanceof Date ? value.getTime() : parseIsoTime(value);
  if (ms === undefined || Number.isNaN(ms))
    throw new CfError('CF_ERR_BAD_TIME', `${what} is not an ISO-8601 time: ${String(value)}`);
  return ms;
}

/**
 * A local Compliance Logs Platform: the API origin (list, download, max_event_time, control)
 * and a second origin serving the signed download URLs, both on 127.0.0.1.
 *
 * Lifecycle: construct (options are validated; CF_ERR_CONFIG lists every problem), `start()`
 * (ports are bound; port 0 picks free ones), use, `stop()` (closes every connection, including
 * stalled downloads; idempotent). The helpers (`listFiles`, `eventIds`, `openFile`,
 * `fileFacts`) work without starting and use the same generator as the servers, so what they
 * return is exactly what a client downloads.
 */
export class Simulator {
  private readonly options: ResolvedOptions;
  private readonly catalog: Catalog;
  private readonly files: FileStore;
  private readonly clock: SimClock;
  private readonly keys: readonly ApiKey[];
  private readonly initialFaults: Faults;
  private currentFaults: Faults;
  private readonly dice: FaultDice;
  private readonly counters: SimulatorStats = emptyStats();
  private readonly limiter = new RateLimiter();
  private readonly auditLogs: AuditLogEvents;
  private readonly conversations: LegacyConversations;
  private servers: { api: Server; download: Server } | undefined;
  private started: SimulatorInfo | undefined;
  /** A workspace and an organization to use (any well-formed id has data); stable per seed. */
  readonly sampleWorkspaceId: string;
  readonly sampleOrgId: string;

  constructor(options: SimulatorOptions = {}) {
    this.options = resolveOptions(options);
    this.catalog = new Catalog(this.options);
    const seed = this.catalog.seedHash;
    const defaultKey =
      this.options.apiKey ?? `sk-sim-${hexString(new Prng(combine(seed, hashString('api-key'))), 16)}`;
    this.keys = this.options.keys ?? [{ key: defaultKey, scopes: '*' }];
    const templates = new TemplateStore(seed, redactedKeyId(this.keys[0]!.key));
    this.files = new FileStore(new RecordSource(this.catalog, templates, this.options), seed);
    const live = this.options.live;
    this.clock = new SimClock(
      this.options.clock ?? (() => new Date()),
      live !== false,
      live === false || live === true ? 1 : live.speed,
    );
    if (this.clock.nowMs() < Date.UTC(2001, 8, 9, 2)) {
      throw new CfError('CF_ERR_CONFIG', 'Invalid simulator options: the clock must be after 2001-09-09.');
    }
    this.initialFaults = mergeFaults(DEFAULT_FAULTS, this.options.faults);
    this.currentFaults = this.initialFaults;
    this.dice = new FaultDice(seed);
    this.sampleWorkspaceId = uuidString(new Prng(combine(seed, hashString('sample-workspace'))));
    this.sampleOrgId = `org-${hexString(new Prng(combine(seed, hashString('sample-org'))), 12)}`;
    this.auditLogs = new AuditLogEvents(seed, this.sampleOrgId, this.options.auditLogs);
    this.conversations = new LegacyConversations(
      seed,
      this.options.conversations,
      this.clock.nowMs() - this.options.spanMs,
      this.options.spanMs,
    );
  }

  async start(): Promise<SimulatorInfo> {
    if (this.started !== undefined) return this.started;
    const ctx = this.context();
    // With tls, both origins speak HTTPS with the same certificate (for 127.0.0.1 and localhost).
    const tls = this.options.tls;
    const serve = (handler: RequestListener): Server =>
      tls === undefined
        ? createServer(handler)
        : (createHttpsServer({ cert: tls.cert, key: tls.key }, handler) as unknown as Server);
    const api = serve(createApiHandler(ctx));
    const download = serve(createSignedHandler(ctx));
    try {
      await listen(api, this.options.port);
      await listen(download, this.options.downloadPort);
    } catch (err) {
      await Promise.all([close(api), close(download)]);
      throw err;
    }
    this.servers = { api, download };
    const port = (api.address() as AddressInfo).port;
    const downloadPort = (download.address() as AddressInfo).port;
    const scheme = tls === undefined ? 'http' : 'https';
    this.started = Object.freeze({
      baseUrl: `${scheme}://127.0.0.1:${port}/v1/compliance`,
      apiBase: `${scheme}://127.0.0.1:${port}/v1`,
      apiOrigin: `${scheme}://127.0.0.1:${port}`,
      downloadOrigin: `${scheme}://127.0.0.1:${downloadPort}`,
      apiKey: this.keys[0]!.key,
      sampleWorkspaceId: this.sampleWorkspaceId,
      sampleOrgId: this.sampleOrgId,
      port,
      downloadPort,
    });
    return this.started;
  }

  async stop(): Promise<void> {
    const servers = this.servers;
    this.servers = undefined;
    this.started = undefined;
    if (servers === undefined) return;
    await Promise.all([close(servers.api), close(servers.download)]);
  }

  get info(): SimulatorInfo {
    if (this.started === undefined) throw new CfError('CF_ERR_INTERNAL', 'The simulator is not started.');
    return this.started;
  }

  /** A copy of the counters. */
  stats(): SimulatorStats {
    return { ...this.counters };
  }

  faults(): Faults {
    return this.currentFaults;
  }

  /** Merges a patch into the faults in force (keys absent from the patch are kept). */
  setFaults(patch: FaultsInput): void {
    const problem = this.patchFaults(patch);
    if (problem !== undefined) throw new CfError('CF_ERR_CONFIG', problem);
  }

  /** Back to the faults given at construction; fault `count` budgets start again. */
  resetFaults(): void {
    this.currentFaults = this.initialFaults;
    this.dice.resetBudgets();
  }

  /** The simulator's current time (frozen unless live). */
  now(): Date {
    return new Date(this.clock.nowMs());
  }

  /** Visible files with after < end_time < before (both optional), in list order. */
  listFiles(
    principalId: string,
    eventType: EventType,
    after?: string | Date,
    before?: string | Date,
  ): SimulatedFile[] {
    const kind = principalKindOf(principalId);
    if (kind === undefined || !eventTypesFor(kind).includes(eventType)) return [];
    const range = {
      afterMs: toMs(after, Number.NEGATIVE_INFINITY, 'after'),
      beforeMs: toMs(before, Number.POSITIVE_INFINITY, 'before'),
      nowMs: this.clock.nowMs(),
    };
    return this.catalog.list(principalId, eventType, range, Number.POSITIVE_INFINITY).map((f) => ({
      id: f.id,
      principalId,
      eventType: f.eventType,
      endTime: isoSeconds(f.endMs),
      fileName: f.fileName,
      part: f.part,
      sizeBytes: this.files.size(f, this.currentFaults),
    }));
  }

  /** Listed size and sha256 of a file under the current content faults. */
  fileFacts(principalId: string, fileId: string): Promise<FileFacts> {
    return this.files.facts(this.resolve(principalId, fileId), this.currentFaults);
  }

  /** Every record's event_id in file order (an event re-sent from an earlier file included). */
  eventIds(principalId: string, eventType: EventType, fileId: string): string[] {
    const file = this.resolve(principalId, fileId);
    if (file.eventType !== eventType) {
      throw new CfError('CF_ERR_CONFIG', `File ${fileId} holds ${file.eventType}, not ${eventType}.`);
    }
    return this.files.renderer(file, this.currentFaults).eventIds();
  }

  /** The exact bytes a download serves under the current content faults, as a stream. */
  openFile(principalId: string, fileId: string): Readable {
    return Readable.from(
      this.files.renderer(this.resolve(principalId, fileId), this.currentFaults).chunks(),
      {
        objectMode: false,
      },
    );
  }

  /**
   * The audit log events of the sample organization with after < effective_at < before (Unix
   * seconds), oldest first, visible now unless `includeLate`: what a complete listing delivers.
   */
  auditLogEvents(afterSec: number, beforeSec: number, includeLate = false): SimAuditEvent[] {
    const nowMs = this.clock.nowMs();
    const lo = Math.max(afterSec + 1, Math.floor((nowMs - this.options.spanMs) / 1000));
    const hi = Math.min(beforeSec - 1, Math.floor(nowMs / 1000));
    const out: SimAuditEvent[] = [];
    for (let m = Math.floor(lo / 60); m <= Math.floor(hi / 60); m++) {
      for (const e of this.auditLogs.minute(m)) {
        if (e.effectiveAt >= lo && e.effectiveAt <= hi && (includeLate || e.visibleAtMs <= nowMs))
          out.push(e);
      }
    }
    return out;
  }

  /** The conversations of a workspace as listed now: latest versions, by (last_active_at, id). */
  legacyConversations(workspaceId: string): ConversationVersion[] {
    return this.conversations.visible(workspaceId, this.clock.nowMs());
  }

  /** One conversation version's JSON, exactly as a page carries it. */
  renderConversation(workspaceId: string, version: ConversationVersion): Buffer {
    return this.conversations.render(workspaceId, version);
  }

  private resolve(principalId: string, fileId: string) {
    const file = this.catalog.resolve(principalId, fileId);
    if (file === undefined) throw new CfError('CF_ERR_FILE_EXPIRED', `No file ${fileId} for ${principalId}.`);
    return file;
  }

  private patchFaults(input: unknown): string | undefined {
    const parsed = parseFaults(input);
    if (!parsed.ok) return parsed.message;
    this.currentFaults = mergeFaults(this.currentFaults, parsed.value);
    return undefined;
  }

  private context(): SimContext {
    return {
      seedHash: this.catalog.seedHash,
      catalog: this.catalog,
      files: this.files,
      clock: this.clock,
      keys: new KeyRing(this.keys),
      limiter: this.limiter,
      signer: new UrlSigner(() => this.options.signedUrlTtlMs),
      dice: this.dice,
      stats: this.counters,
      auditLogs: this.auditLogs,
      conversations: this.conversations,
      shortPageRatio: this.options.conversations.shortPageRatio,
      spanMs: this.options.spanMs,
      faults: () => this.currentFaults,
      downloadOrigin: () => this.started?.downloadOrigin ?? '',
      controlEnabled: this.options.control,
      patchFaults: (input) => this.patchFaults(input),
      resetFaults: () => this.resetFaults(),
    };
  }
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
