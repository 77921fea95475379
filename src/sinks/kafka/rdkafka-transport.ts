import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { CfError } from '../../core/errors/index.js';
import { redactSecrets } from '../../core/secret.js';
import { saslOptions, tlsOptions, warnIfUnverifiedTls } from './client-security.js';
import type { KafkaSinkConfig } from './config.js';
import type { KafkaMessage } from './encoder.js';
import type { KafkajsTransportOptions } from './kafkajs-transport.js';
import { partitionOfKey } from './murmur2.js';
import type {
  RdAdmin,
  RdDeliveryReport,
  RdHeaders,
  RdKafkaError,
  RdKafkaModule,
  RdMetadata,
  RdProducer,
} from './rdkafka-api.js';
import { brokerErrorNames, classifyRdKafkaError, RD } from './rdkafka-errors.js';
import type { KafkaTransport, PreparedSend } from './transport.js';

export type RdKafkaTransportOptions = KafkajsTransportOptions &
  Pick<KafkaSinkConfig, 'batchMaxCount' | 'batchMaxBytes' | 'maxRecordBytes'>;

/**
 * librdkafka's own retries of a failed produce request, kept short as kafkajs's are: they absorb
 * a moved leader within a second; longer trouble is the sink's retry loop's (with its backoff,
 * metrics and abort signal).
 */
const CLIENT_RETRIES = 2;

/**
 * The longest one blocking call into librdkafka (connect, metadata, flush) may wait. The bindings
 * wait on libuv's thread pool, and a process cannot exit while a pool thread waits: a SIGTERM
 * during a start against a silent broker waited out the whole connect. Longer waits are made of
 * such slices, and stop between two once the transport is closed.
 */
const SLICE_MS = 1000;

/** connect() failures that only say no broker answered in time. */
const TRANSIENT_CONNECT = new Set<number>([RD.TIMED_OUT, RD.TRANSPORT, RD.ALL_BROKERS_DOWN]);

/**
 * A librdkafka error-log line about a refused TLS or SASL handshake, as the error it is; these
 * come only as log lines (severity 3), while the client keeps reconnecting.
 */
export function handshakeProblem(message: string): RdKafkaError | undefined {
  let code: number | undefined;
  if (/SASL/i.test(message) && /fail|not supported|error/i.test(message)) code = RD.AUTHENTICATION;
  else if (/SSL handshake failed|certificate verify failed|SSL_|ssl\.ca/i.test(message)) code = RD.SSL;
  if (code === undefined) return undefined;
  // The broker's address prefix repeats the host; the reason is what the user needs.
  const reason = message.replace(/^.*?\/(bootstrap|\d+): /, '');
  return Object.assign(new Error(reason), { code }) as RdKafkaError;
}

/**
 * The librdkafka configuration for the sink's settings (CONFIGURATION.md of librdkafka). Secrets
 * are revealed only into this object, which is handed to librdkafka and never logged.
 */
export function rdkafkaConfig(o: RdKafkaTransportOptions): Record<string, unknown> {
  const conf: Record<string, unknown> = {
    'bootstrap.servers': o.brokers.join(','),
    'client.id': o.clientId,
    'enable.idempotence': o.idempotent,
    acks: o.acks === 'all' ? -1 : 1,
    'max.in.flight.requests.per.connection': o.maxInFlightRequests,
    'compression.codec': o.compression,
    // The sink already waited lingerMs and hands over whole batches; librdkafka's default 5 ms
    // lets one produce() loop (a few ms) go out as one request rather than several small ones.
    'linger.ms': 5,
    'batch.num.messages': Math.max(o.batchMaxCount, 1),
    // A record up to maxRecordBytes plus its framing must fit a request.
    'message.max.bytes': Math.max(1_000_000, o.maxRecordBytes + 1024, o.batchMaxBytes + 1024),
    'queue.buffering.max.messages': Math.max(100_000, 4 * o.batchMaxCount * o.maxInFlightRequests),
    'request.timeout.ms': o.requestTimeoutMs,
    // How long a record may wait for a broker before the sink's retry loop takes over.
    'message.timeout.ms': o.requestTimeoutMs,
    'socket.connection.setup.timeout.ms': Math.max(1000, o.connectionTimeoutMs),
    'reconnect.backoff.ms': 100,
    'reconnect.backoff.max.ms': 1000,
    retries: CLIENT_RETRIES,
    'retry.backoff.ms': 100,
    'retry.backoff.max.ms': 1000,
    'allow.auto.create.topics': o.autoCreateTopics,
    'topic.metadata.refresh.interval.ms': 60_000,
    dr_cb: true,
    event_cb: true,
    log_level: 4,
  };
  const tls = tlsOptions(o.tls);
  const sasl = saslOptions(o.sasl);
  conf['security.protocol'] =
    tls === undefined
      ? sasl === undefined
        ? 'plaintext'
        : 'sasl_plaintext'
      : sasl === undefined
        ? 'ssl'
        : 'sasl_ssl';
  if (tls !== undefined) {
    if (typeof tls.ca === 'string') conf['ssl.ca.pem'] = tls.ca;
    if (typeof tls.cert === 'string') conf['ssl.certificate.pem'] = tls.cert;
    if (typeof tls.key === 'string') conf['ssl.key.pem'] = tls.key;
    if (typeof tls.passphrase === 'string') conf['ssl.key.password'] = tls.passphrase;
    const verify = tls.rejectUnauthorized !== false;
    conf['enable.ssl.certificate.verification'] = verify;
    conf['ssl.endpoint.identification.algorithm'] = verify ? 'https' : 'none';
  }
  if (sasl !== undefined && 'password' in sasl) {
    conf['sasl.mechanisms'] = sasl.mechanism.toUpperCase();
    conf['sasl.username'] = sasl.username;
    conf['sasl.password'] = sasl.password;
  }
  return conf;
}

/** A produce() waiting for the delivery reports of its messages. */
interface PendingSend {
  /** Messages queued in librdkafka whose delivery report has not come yet. */
  remaining: number;
  error: RdKafkaError | undefined;
  readonly settle: (error: RdKafkaError | undefined) => void;
}

/**
 * The KafkaTransport on librdkafka (@confluentinc/kafka-javascript's lower-level produce API):
 * one idempotent producer; each produce() hands its messages to librdkafka, which batches,
 * compresses (in its own threads) and sends them, and resolves when every delivery report came
 * back without error. Delivery reports are polled on librdkafka's background thread.
 */
export class RdKafkaTransport implements KafkaTransport {
  private readonly names: Map<number, string>;
  private readonly headerArrays = new WeakMap<object, RdHeaders>();
  /**
   * The produce() calls waiting on each topic-partition, oldest first. librdkafka reports the
   * deliveries of a partition in the order they were produced, so each report belongs to the
   * oldest; no per-message opaque handle is needed (the bindings make and free one per message).
   */
  private readonly waiting = new Map<string, PendingSend[]>();
  private producer: RdProducer | undefined;
  private admin: RdAdmin | undefined;
  private fatal: RdKafkaError | undefined;
  private spread = 0;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly rdkafka: RdKafkaModule,
    private readonly options: RdKafkaTransportOptions,
    private readonly logger: Logger,
  ) {
    this.names = brokerErrorNames(rdkafka.CODES.ERRORS);
  }

  /**
   * With idempotence, librdkafka keeps a partition's in-flight requests in order and retries them
   * in place, so the sink may hand it the next batch before the last is acknowledged (lanes.ts).
   * Without, its retries could reorder records: one at a time, as with kafkajs.
   */
  get requestsPerPartition(): number {
    return this.options.idempotent ? this.options.maxInFlightRequests : 1;
  }

  async connect(): Promise<void> {
    const o = this.options;
    warnIfUnverifiedTls(o, this.logger);
    const producer = new this.rdkafka.Producer(rdkafkaConfig(o));
    this.producer = producer;
    // librdkafka reports a refused handshake (TLS, SASL) only in its error log and keeps trying:
    // the last such line is what connect() names when no broker answered.
    let problem: RdKafkaError | undefined;
    producer.on('event.error', (err: RdKafkaError) => {
      if (err.isFatal === true) this.fatal ??= err;
      if (err.code === RD.SSL || err.code === RD.AUTHENTICATION || problem === undefined) problem = err;
      this.logger.debug(
        { code: err.code, fatal: err.isFatal === true },
        `librdkafka: ${redactSecrets(err.message)}`,
      );
    });
    producer.on('event.log', (entry: { fac?: string; message?: string }) => {
      const message = redactSecrets(String(entry.message));
      const refused = handshakeProblem(message);
      if (refused !== undefined) problem = refused;
      this.logger.debug({ librdkafka: entry.fac }, message);
    });
    producer.on('delivery-report', (err: RdKafkaError | null, report: RdDeliveryReport) => {
      const queue = this.waiting.get(laneOf(report.topic, report.partition));
      const pending = queue?.[0];
      if (queue === undefined || pending === undefined) return;
      if (err !== null && err !== undefined) pending.error ??= err;
      if (--pending.remaining === 0) {
        queue.shift();
        pending.settle(pending.error);
      }
    });
    // kafkajs tries three times before connect() fails; librdkafka gets as long, in slices.
    const deadline = Date.now() + 3 * o.connectionTimeoutMs + 1000;
    for (;;) {
      try {
        await new Promise<void>((resolve, reject) =>
          producer.connect({ timeout: sliceUntil(deadline), allTopics: false }, (err) =>
            err ? reject(err) : resolve(),
          ),
        );
        break;
      } catch (err) {
        const e = err as RdKafkaError;
        if (this.closing !== undefined) {
          throw new CfError('CF_ERR_ABORTED', 'The Kafka transport was closed while it connected.');
        }
        if (TRANSIENT_CONNECT.has(e.code) && Date.now() < deadline) continue;
        await this.disconnect();
        throw this.connectError(e, problem);
      }
    }
    if (this.closing !== undefined) {
      producer.disconnect(SLICE_MS, noop);
      throw new CfError('CF_ERR_ABORTED', 'The Kafka transport was closed while it connected.');
    }
    producer.setPollInBackground(true);
    this.admin = this.rdkafka.AdminClient.createFrom(producer);
  }

  /** The error connect() rejects with: a refused handshake says more than "no answer". */
  private connectError(err: RdKafkaError, problem: RdKafkaError | undefined): CfError {
    // The bindings answer __STATE when librdkafka would not even create the client: a setting it
    // refused, such as a CA or certificate that is not PEM.
    if (err.code === RD.STATE) {
      return new CfError(
        'CF_ERR_CONFIG',
        `Kafka sink: librdkafka refused the settings: ${redactSecrets(String(err.message))}. Check the tls files and keys.`,
        { cause: err },
      );
    }
    const cause = problem !== undefined && TRANSIENT_CONNECT.has(err.code) ? problem : err;
    return classifyRdKafkaError(cause, this.names);
  }

  async listTopics(): Promise<Map<string, number>> {
    const metadata = await this.metadata({ allTopics: true });
    return new Map(
      metadata.topics.filter((t) => t.partitions.length > 0).map((t) => [t.name, t.partitions.length]),
    );
  }

  async createTopic(topic: string): Promise<void> {
    // Brokers (and the test broker) auto-create a topic a metadata request names when they allow
    // it; its partitions show once their leaders are elected, so ask a few times.
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const metadata = await this.metadata({ topic });
        if (metadata.topics.some((t) => t.name === topic && t.partitions.length > 0)) return;
      } catch {
        break;
      }
      await delay(100 * (attempt + 1));
    }
    // Newer brokers only auto-create for producers; ask for the topic explicitly instead.
    try {
      await new Promise<void>((resolve, reject) =>
        this.connectedAdmin().createTopic(
          { topic, num_partitions: -1, replication_factor: -1 },
          this.options.requestTimeoutMs,
          (err) => (err ? reject(err) : resolve()),
        ),
      );
    } catch (err) {
      const e = classifyRdKafkaError(err as RdKafkaError, this.names);
      throw new CfError(
        'CF_ERR_SINK_TOPIC',
        `Kafka topic "${topic}" does not exist and could not be created: ${e.message}`,
        {
          cause: e,
          details: { topic },
        },
      );
    }
  }

  partitionFor(_topic: string, key: string | null, partitionCount: number): number {
    // Keys go where a Java-compatible producer puts them (murmur2); keyless records take turns.
    if (key !== null) return partitionOfKey(key, partitionCount);
    this.spread = (this.spread + 1) % 0x7fffffff;
    return this.spread % partitionCount;
  }

  prepare(topic: string, partition: number, messages: readonly KafkaMessage[]): PreparedSend {
    // Nothing to do ahead: librdkafka encodes and compresses in its own threads.
    return { topic, partition, messages, release: noop };
  }

  async produce(send: PreparedSend): Promise<void> {
    const producer = this.producer;
    if (producer === undefined)
      throw new CfError('CF_ERR_INTERNAL', 'Kafka transport used before connect().');
    const { topic, partition, messages } = send;
    if (this.fatal !== undefined) throw classifyRdKafkaError(this.fatal, this.names, send);
    if (messages.length === 0) return;
    const lane = laneOf(topic, partition);
    let queue = this.waiting.get(lane);
    if (queue === undefined) {
      queue = [];
      this.waiting.set(lane, queue);
    }
    const error = await new Promise<RdKafkaError | undefined>((settle) => {
      const pending: PendingSend = { remaining: messages.length, error: undefined, settle };
      queue.push(pending);
      for (let i = 0; i < messages.length; i++) {
        const m = messages[i]!;
        try {
          producer.produce(
            topic,
            partition,
            typeof m.value === 'string' ? Buffer.from(m.value, 'utf8') : m.value,
            m.key,
            m.timestamp,
            undefined,
            this.headersOf(m.headers),
          );
        } catch (err) {
          // Not queued (queue full, fatal error): these messages get no delivery report.
          pending.error ??= err as RdKafkaError;
          pending.remaining = i;
          if (i === 0) {
            queue.splice(queue.indexOf(pending), 1);
            settle(pending.error);
          }
          break;
        }
      }
    });
    if (error !== undefined) throw classifyRdKafkaError(error, this.names, send);
  }

  disconnect(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      const producer = this.producer;
      this.admin?.disconnect();
      if (producer === undefined || !producer.isConnected()) return resolve();
      // Flushes what librdkafka still holds (nothing after a normal end: every produce() settled;
      // what an abort leaves is not acknowledged, so it is sent again from the checkpoint).
      producer.disconnect(SLICE_MS, () => resolve());
    });
    return this.closing;
  }

  /** librdkafka's header list for a message's (frozen, shared per file) header object. */
  private headersOf(headers: Readonly<Record<string, string>>): RdHeaders {
    let list = this.headerArrays.get(headers);
    if (list === undefined) {
      // Buffers: the bindings take their bytes as they are, where a string is converted each time.
      list = Object.entries(headers).map(([name, value]) => ({ [name]: Buffer.from(value, 'utf8') }));
      this.headerArrays.set(headers, list);
    }
    return list;
  }

  private async metadata(options: { allTopics?: boolean; topic?: string }): Promise<RdMetadata> {
    const producer = this.producer;
    if (producer === undefined)
      throw new CfError('CF_ERR_INTERNAL', 'Kafka transport used before connect().');
    const deadline = Date.now() + this.options.requestTimeoutMs;
    for (;;) {
      try {
        return await new Promise<RdMetadata>((resolve, reject) =>
          producer.getMetadata({ timeout: sliceUntil(deadline), ...options }, (err, metadata) =>
            err ? reject(err) : resolve(metadata),
          ),
        );
      } catch (err) {
        const e = err as RdKafkaError;
        if (e.code !== RD.TIMED_OUT || Date.now() >= deadline || this.closing !== undefined) {
          throw classifyRdKafkaError(e, this.names);
        }
      }
    }
  }

  private connectedAdmin(): RdAdmin {
    if (this.admin === undefined)
      throw new CfError('CF_ERR_INTERNAL', 'Kafka transport used before connect().');
    return this.admin;
  }
}

function noop(): void {}

/** The next slice of a wait that ends at `deadline` (epoch ms). */
function sliceUntil(deadline: number): number {
  return Math.max(100, Math.min(SLICE_MS, deadline - Date.now()));
}

function laneOf(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
