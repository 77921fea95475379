import type { EventTimeSpec } from '../../core/event-time.js';
import type { Delivery, PipelineRecord, SourceRef } from '../../core/record.js';
import type { Secret } from '../../core/secret.js';
import { DedupeWindow } from '../dedupe/dedupe-window.js';
import { OwnAuditEventMatcher } from '../filter/own-audit-events.js';
import { RecordFilter } from '../filter/record-filter.js';
import { Redactor } from '../redact/redactor.js';
import { MAX_CAPTURED_PATHS, MAX_WATCHED_KEYS, type SplitLine } from '../split-jsonl/types.js';
import type { EnrichConfig } from './config.js';
import { EnrichedRecord } from './enriched-record.js';
import { EventTimeReader, valueAt } from './event-time.js';
import { appendMembers, jsonMembers, metadataMemberPrefix } from './metadata.js';

export type DropReason = 'duplicate' | 'filtered' | 'own-audit-event';

/** The file a run of lines comes from: its coordinates and the delivery handle of its records. */
export interface FileContext {
  readonly source: SourceRef;
  readonly delivery: Delivery;
  /** When the file was received; defaults to when `forFile` was called. */
  readonly ingestTime?: Date;
  /** Where its records' event time is (StreamSource.eventTime); default a top-level ISO `timestamp`. */
  readonly eventTime?: EventTimeSpec;
  /** Where each record's own event type is (StreamSource.eventTypeFrom); absent: the file's. */
  readonly eventTypeFrom?: readonly string[];
}

/** What a file without a declaration is read with: a top-level ISO-8601 `timestamp`. */
export const DEFAULT_EVENT_TIME: EventTimeSpec = Object.freeze([{ path: 'timestamp', format: 'iso8601' }]);

/** What an event type read from a record must look like to route it (the files source's rule). */
export const EVENT_TYPE_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Distinct per-record event types a file keeps a SourceRef for (more are made per record). */
const TYPED_SOURCES_MAX = 256;

export interface EnricherDeps {
  /** Forwarder version and host name, written into the metadata object. */
  readonly version: string;
  readonly host: string;
  /** The key of `hash` redactions (resolved from `hashKey`); required when one is configured. */
  readonly hmacKey?: Secret;
  /**
   * Told about every line the enricher drops on purpose. A dropped line still counts as handled for
   * its file's accounting: the caller acknowledges it (and counts it), it is not dead-lettered.
   */
  onDrop?(reason: DropReason, rec: SplitLine, file: FileContext): void;
  /**
   * Told about every record sent without a readable event time where its source declares one
   * (the sinks then use the ingest time).
   */
  onNoTime?(file: FileContext): void;
}

/** Enriches the lines of one file. Not shared between files; cheap to create. */
export interface FileEnricher {
  /**
   * The record to send, or undefined when the line was dropped (own audit event, filtered,
   * duplicate), after `onDrop` was told. Takes ownership of `line.parsed`: redaction changes it in
   * place. The record's `parsed` is that object when it was built anyway (see EnrichedRecord).
   */
  enrich(line: SplitLine): PipelineRecord | undefined;
  /**
   * The top-level keys this enricher checks records for (give them to the splitter as
   * `watchKeys`: a line that says which of them it has needs no search).
   */
  readonly watchKeys: readonly string[];
  /**
   * The paths this file's records are read at (eventTypeFrom's of one or two names; give them to
   * the splitter as `capturePaths`: a line that carries their values needs no parse to find its
   * event type).
   */
  readonly capturePaths: ReadonlyArray<readonly string[]>;
  /** The file was delivered whole: its records read again later are duplicates (DedupeWindow). */
  fileDelivered(): void;
}

/**
 * The enrichment stage as a plain class: no streams, so the pipeline can run it once per chunk of
 * lines. Steps, in order: drop own audit events, filters, de-duplication, redaction, then static
 * fields and the metadata object are spliced into the record's original text. A record is only
 * re-serialised when a redaction changed it; otherwise its upstream bytes are kept and extended.
 * The de-duplication window is shared by every file and stream of one enricher; an event_id
 * counts as a duplicate when it was first seen at another file or line (see DedupeWindow), so a
 * file that is processed again after a failure is never swallowed by its own first attempt.
 */
export class RecordEnricher {
  readonly #config: EnrichConfig;
  readonly #deps: EnricherDeps;
  readonly #ownAudit: OwnAuditEventMatcher | undefined;
  readonly #filter: RecordFilter | undefined;
  readonly #dedupe: DedupeWindow | undefined;
  readonly #redactor: Redactor | undefined;
  readonly #staticFields: readonly Field[];
  /** The keys whose presence `enrich` checks: the metadata key, then the static fields'. */
  readonly #watchKeys: readonly string[];
  /** One reader per declaration (streams of one source share theirs). */
  readonly #timeReaders = new WeakMap<EventTimeSpec, EventTimeReader>();

  constructor(config: EnrichConfig, deps: EnricherDeps) {
    this.#config = config;
    this.#deps = deps;
    const own = config.dropOwnAuditEvents;
    this.#ownAudit =
      own.enabled && own.redactedIds.length > 0 ? new OwnAuditEventMatcher(own.redactedIds) : undefined;
    const filter = new RecordFilter(config.filters);
    this.#filter = filter.isEmpty ? undefined : filter;
    this.#dedupe = config.dedupe.enabled ? new DedupeWindow(config.dedupe.maxEntries) : undefined;
    const redactor = new Redactor(config.redact, deps.hmacKey);
    this.#redactor = redactor.isEmpty ? undefined : redactor;
    const keys = [
      ...(config.metadataKey === null ? [] : [config.metadataKey]),
      ...Object.keys(config.staticFields),
    ];
    // Past the splitter's limit the rest are searched for, as before.
    this.#watchKeys = Object.freeze(keys.slice(0, MAX_WATCHED_KEYS));
    this.#staticFields = Object.entries(config.staticFields).map(([k, v]) => keyOf(k, v, this.#watchKeys));
  }

  /** Event ids currently remembered by the de-duplication window. */
  get dedupeSize(): number {
    return this.#dedupe?.size ?? 0;
  }

  /** Prepares the per-file constant parts (the metadata prefix). Call once per file. */
  forFile(file: FileContext): FileEnricher {
    const { metadataKey } = this.#config;
    const ingestTime = file.ingestTime ?? new Date();
    const metadataPrefix =
      metadataKey === null
        ? undefined
        : metadataMemberPrefix(metadataKey, file.source, ingestTime, this.#deps);
    const staticMembers = jsonMembers(this.#staticFields);
    const spec = file.eventTime ?? DEFAULT_EVENT_TIME;
    let timeReader = this.#timeReaders.get(spec);
    if (timeReader === undefined) {
      timeReader = new EventTimeReader(spec);
      this.#timeReaders.set(spec, timeReader);
    }
    return new OneFileEnricher(file, {
      timeReader,
      onNoTime: this.#deps.onNoTime,
      eventTypeFrom: file.eventTypeFrom?.map((p) => p.split('.')) ?? [],
      prefixOf: (source) =>
        metadataKey === null ? '' : metadataMemberPrefix(metadataKey, source, ingestTime, this.#deps),
      ownAudit: this.#ownAudit,
      filter: this.#filter,
      dedupe: this.#dedupe,
      redactor: this.#redactor,
      onDrop: this.#deps.onDrop,
      metadataKey: metadataKey === null ? null : keyOf(metadataKey, undefined, this.#watchKeys),
      watchKeys: this.#watchKeys,
      metadataPrefix: metadataPrefix ?? '',
      metadataPrefixBytes: Buffer.byteLength(metadataPrefix ?? '', 'utf8'),
      staticFields: this.#staticFields,
      staticMembers,
      staticMembersBytes: Buffer.byteLength(staticMembers, 'utf8'),
    });
  }
}

/** A key to add, with its JSON forms for splicing and for text searches. */
interface Field {
  readonly key: string;
  readonly quotedKey: string;
  /**
   * The JSON form without its opening quote: `_forwarder"`. A member `"_forwarder":` contains it,
   * and V8 searches several times faster for a pattern that does not start with the very common `"`.
   */
  readonly searchKey: string;
  /** `searchKey` as UTF-8, to search a line kept as bytes. */
  readonly searchKeyUtf8: Buffer;
  /** Its bit in SplitLine.keysSeen when the splitter watched for it (see RecordEnricher.watchKeys), else 0. */
  readonly watchBit: number;
  readonly value: unknown;
}

function keyOf(key: string, value: unknown, watchKeys: readonly string[]): Field {
  const quotedKey = JSON.stringify(key);
  const searchKey = quotedKey.slice(1);
  const watched = watchKeys.indexOf(key);
  return {
    key,
    quotedKey,
    searchKey,
    searchKeyUtf8: Buffer.from(searchKey, 'utf8'),
    watchBit: watched === -1 ? 0 : 1 << watched,
    value,
  };
}

/**
 * Whether the record has `field` at top level. When the splitter watched for the key, it says so
 * exactly (keysSeen). Otherwise a search of the line (its bytes when the splitter kept them, else
 * its text) rules most records out without a parse; it is exact when the splitter saw no top-level
 * key written with escapes (eventId known).
 */
function hasKey(
  line: SplitLine,
  text: string | undefined,
  parsedAlready: boolean,
  field: Field,
  watchKeys: readonly string[],
): boolean {
  if (!parsedAlready && line.eventId !== undefined) {
    // The same array: the line was split with this enricher's keys.
    if (field.watchBit !== 0 && line.keysWatched === watchKeys)
      return (line.keysSeen! & field.watchBit) !== 0;
    const absent =
      text === undefined ? line.utf8!.indexOf(field.searchKeyUtf8) === -1 : !text.includes(field.searchKey);
    if (absent) return false;
  }
  return Object.hasOwn(line.parsed, field.key);
}

function stringField(record: Record<string, unknown>, key: string): string | null {
  const value = record[key];
  return typeof value === 'string' ? value : null;
}

interface Steps {
  readonly timeReader: EventTimeReader;
  readonly onNoTime: EnricherDeps['onNoTime'];
  /** StreamSource.eventTypeFrom as paths; empty: every record has the file's event type. */
  readonly eventTypeFrom: readonly (readonly string[])[];
  /** The metadata prefix of a SourceRef (records of another event type than the file's). */
  readonly prefixOf: (source: SourceRef) => string;
  readonly ownAudit: OwnAuditEventMatcher | undefined;
  readonly filter: RecordFilter | undefined;
  readonly dedupe: DedupeWindow | undefined;
  readonly redactor: Redactor | undefined;
  readonly onDrop: EnricherDeps['onDrop'];
  readonly metadataKey: Field | null;
  readonly watchKeys: readonly string[];
  /** `"<key>":{...,"line_number":` (empty without metadata). */
  readonly metadataPrefix: string;
  readonly metadataPrefixBytes: number;
  readonly staticFields: readonly Field[];
  /** All static fields as `"k":v,...`, for the usual record that has none of them. */
  readonly staticMembers: string;
  readonly staticMembersBytes: number;
}

class OneFileEnricher implements FileEnricher {
  readonly #file: FileContext;
  readonly #steps: Steps;
  /** Identifies the file in the de-duplication window; the same for a retry of the same file. */
  readonly #fileKey: string;
  /** The UTF-8 size of what the last #members call returned (counted, not measured). */
  #membersBytes = 0;
  /** Per event type read from records: its SourceRef and metadata prefix (one each per type). */
  #typed: Map<string, TypedSource> | undefined;
  readonly #capturePaths: ReadonlyArray<readonly string[]>;

  constructor(file: FileContext, steps: Steps) {
    this.#file = file;
    this.#steps = steps;
    this.#fileKey = `${file.source.stream}\u0000${file.source.fileId}`;
    const short = steps.eventTypeFrom.filter((path) => path.length <= 2);
    this.#capturePaths = Object.freeze(short.slice(0, MAX_CAPTURED_PATHS));
  }

  get watchKeys(): readonly string[] {
    return this.#steps.watchKeys;
  }

  get capturePaths(): ReadonlyArray<readonly string[]> {
    return this.#capturePaths;
  }

  fileDelivered(): void {
    this.#steps.dedupe?.fileDelivered(this.#fileKey);
  }

  enrich(line: SplitLine): PipelineRecord | undefined {
    const steps = this.#steps;
    if (steps.ownAudit?.matches(line)) return this.#drop('own-audit-event', line);
    if (steps.filter !== undefined && !steps.filter.accepts(line.parsed)) return this.#drop('filtered', line);
    let eventId = line.eventId === undefined ? stringField(line.parsed, 'event_id') : line.eventId;
    if (eventId !== null && steps.dedupe?.isDuplicate(eventId, this.#fileKey, line.lineNumber)) {
      return this.#drop('duplicate', line);
    }
    let redacted = false;
    if (steps.redactor?.apply(line.parsed)) {
      redacted = true;
      // Read again: a redacted event_id must not leak through the record's key.
      eventId = stringField(line.parsed, 'event_id');
    }
    // After redaction, so a redacted time is not read either.
    const timestamp = steps.timeReader.read(line, redacted);
    const file = this.#file;
    if (timestamp === undefined && !steps.timeReader.isEmpty) steps.onNoTime?.(file);
    const typed = steps.eventTypeFrom.length === 0 ? undefined : this.#typedSource(line);
    const source = typed?.source ?? file.source;
    const utf8 = redacted ? undefined : line.utf8;
    if (utf8 !== undefined) {
      // The splitter's bytes: exactly one object, `{` ... `}`. Keep them and splice the members in
      // before the closing brace as text, without decoding the line.
      const members = this.#members(line, undefined, false, timestamp, typed);
      const close = utf8.length - 1;
      let tail = '}';
      let bytes = utf8.length;
      if (members !== '') {
        const comma = !isEmptyObjectUtf8(utf8, close);
        tail = `${comma ? ',' : ''}${members}}`;
        bytes += (comma ? 1 : 0) + this.#membersBytes;
      }
      return new EnrichedRecord(
        undefined,
        utf8,
        close,
        tail,
        eventId ?? undefined,
        timestamp,
        line.lineNumber,
        line,
        source,
        file.delivery,
        bytes,
      );
    }
    let text = redacted ? JSON.stringify(line.parsed) : line.text;
    const members = this.#members(line, text, redacted, timestamp, typed);
    // The splitter counted the line's bytes; keep the count exact so sinks need not measure.
    let bytes = redacted ? undefined : line.bytes;
    if (members !== '') {
      const before = text.length;
      text = appendMembers(text, members);
      // Added: the members and perhaps a comma; only the members can hold multi-byte characters.
      if (bytes !== undefined) bytes += text.length - before + this.#membersBytes - members.length;
    }
    return new EnrichedRecord(
      text,
      undefined,
      0,
      '',
      eventId ?? undefined,
      timestamp,
      line.lineNumber,
      line,
      source,
      file.delivery,
      bytes,
    );
  }

  /**
   * The record's own event type (the first of StreamSource.eventTypeFrom that holds a well-formed
   * one) with its SourceRef and metadata prefix, made once per type; undefined: the file's.
   */
  #typedSource(line: SplitLine): TypedSource | undefined {
    const paths = this.#steps.eventTypeFrom;
    let type: string | undefined;
    for (let i = 0; i < paths.length && type === undefined; i++) {
      const value = this.#valueAt(line, paths[i]!);
      if (typeof value === 'string' && EVENT_TYPE_NAME.test(value)) type = value;
    }
    const fileSource = this.#file.source;
    if (type === undefined || type === fileSource.eventType) return undefined;
    const typed = (this.#typed ??= new Map());
    let found = typed.get(type);
    if (found === undefined) {
      const source: SourceRef = { ...fileSource, eventType: type };
      const prefix = this.#steps.prefixOf(source);
      found = { source, prefix, prefixBytes: Buffer.byteLength(prefix, 'utf8') };
      if (typed.size < TYPED_SOURCES_MAX) typed.set(type, found);
    }
    return found;
  }

  /**
   * The value at `path`, from what the splitter captured there when it can tell (a string, or
   * nothing there), else from the parsed record: a replay, of the forwarder's own archive too,
   * then parses none of its records to find their types.
   */
  #valueAt(line: SplitLine, path: readonly string[]): unknown {
    if (line.pathsCaptured === this.#capturePaths && line.captured !== undefined) {
      const k = this.#capturePaths.indexOf(path);
      const value = k === -1 ? false : line.captured[k];
      if (value === null) return undefined;
      if (typeof value === 'string') return value;
    }
    return valueAt(line.parsed, path);
  }

  /**
   * The members to add: static fields and metadata the record does not already have. The metadata
   * holds `event_time` when the time came from elsewhere than a top-level `timestamp`, so that a
   * replay of the archive finds it.
   */
  #members(
    line: SplitLine,
    text: string | undefined,
    parsedAlready: boolean,
    timestamp: string | undefined,
    typed: TypedSource | undefined,
  ): string {
    const steps = this.#steps;
    let members = steps.staticMembers;
    let bytes = steps.staticMembersBytes;
    const fields = steps.staticFields;
    for (let i = 0; i < fields.length; i++) {
      if (hasKey(line, text, parsedAlready, fields[i]!, steps.watchKeys)) {
        members = jsonMembers(fields.filter((f) => !hasKey(line, text, parsedAlready, f, steps.watchKeys)));
        bytes = Buffer.byteLength(members, 'utf8');
        break;
      }
    }
    const metadataKey = steps.metadataKey;
    if (metadataKey !== null && !hasKey(line, text, parsedAlready, metadataKey, steps.watchKeys)) {
      let tail = String(line.lineNumber);
      if (timestamp !== undefined && !steps.timeReader.fromTimestampMember) {
        tail += `,"event_time":"${timestamp}"`;
      }
      const metadata = `${typed?.prefix ?? steps.metadataPrefix}${tail}}`;
      // The prefix is measured once per file (and type); the rest is ASCII.
      bytes += (typed?.prefixBytes ?? steps.metadataPrefixBytes) + tail.length + 1 + (members === '' ? 0 : 1);
      members = members === '' ? metadata : `${members},${metadata}`;
    }
    this.#membersBytes = bytes;
    return members;
  }

  #drop(reason: DropReason, line: SplitLine): undefined {
    this.#steps.onDrop?.(reason, line, this.#file);
    return undefined;
  }
}

/** An event type read from records, with what its records share. */
interface TypedSource {
  readonly source: SourceRef;
  readonly prefix: string;
  readonly prefixBytes: number;
}

/** True when `utf8[0]` is `{` and only JSON whitespace sits between it and `close`. */
function isEmptyObjectUtf8(utf8: Buffer, close: number): boolean {
  for (let i = 1; i < close; i++) {
    const c = utf8[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) return false;
  }
  return true;
}
