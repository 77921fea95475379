import { type Formatter, type HeaderOptions, lineFormatter } from './format.js';
import { priority } from './priority.js';
import { rfc3164Timestamp } from './timestamp.js';

/**
 * RFC 3164 (BSD): `<PRI>Mmm dd hh:mm:ss HOSTNAME TAG: MSG`, TAG being `APP-NAME[PROCID]`.
 * The timestamp is the record's own in UTC (the format has neither year nor zone). There is no
 * structured data: the metadata is in the JSON record itself.
 */
export function rfc3164Formatter(options: HeaderOptions, now: () => number = Date.now): Formatter {
  const tag = options.procId === '-' ? options.appName : `${options.appName}[${options.procId}]`;
  const origin = `${options.hostname} ${tag}: `;
  const { facility, severityOf } = options;
  return lineFormatter(
    (record) =>
      `<${priority(facility, severityOf(record))}>${rfc3164Timestamp(record.timestamp, now)} ${origin}`,
  );
}
