import { z } from 'zod';
import { EVENT_TIME_FORMATS, type EventTimeSpec } from '../../core/event-time.js';
import type { StreamSource } from '../../core/stream-source.js';

/** Dot-separated member names (an array element by its index: `messages.data.0.created_at`). */
const EVENT_TIME_PATH = /^[^.[\]*]+(?:\.[^.[\]*]+)*$/;

/** `eventTime` of a source's config: where its records' time is, instead of what the source declares. */
export const eventTimeConfigSchema = z
  .strictObject({
    path: z.string().regex(EVENT_TIME_PATH, 'must be dot-separated member names (no wildcards)').meta({
      description:
        'The JSON path of the event time: `timestamp`, `effective_at`, `event.time`, `items.0.at`.',
    }),
    format: z.enum(EVENT_TIME_FORMATS).meta({
      description:
        'How it is written: iso8601 (a string Date can parse), epoch-seconds or epoch-millis (a number, or digits in a string).',
    }),
  })
  .optional()
  .meta({
    description:
      "Where the records' own event time is (HEC time, syslog TIMESTAMP, Kafka timestamp); default: what the source declares (docs/sources.md).",
  });

export type EventTimeConfig = z.infer<typeof eventTimeConfigSchema>;

/** The event time of an instance's streams: the config's override, else the source's declaration. */
export function eventTimeOf(declared: EventTimeSpec, override: EventTimeConfig): EventTimeSpec {
  return override === undefined ? declared : [override];
}

/**
 * `stream` saying where its records' time is (and, for a source that reads each record's type,
 * where that is). The stream object is the source's own; the fields are added to it.
 */
export function withEventTime<S extends StreamSource>(
  stream: S,
  eventTime: EventTimeSpec,
  eventTypeFrom?: readonly string[],
): S {
  return Object.assign(stream, {
    eventTime,
    ...(eventTypeFrom === undefined || eventTypeFrom.length === 0 ? {} : { eventTypeFrom }),
  });
}
