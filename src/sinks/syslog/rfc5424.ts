import type { Formatter, HeaderOptions } from './format.js';
import { lineFormatter, msgIdResolver } from './format.js';
import { priority } from './priority.js';
import { metadataElementBuilder } from './structured-data.js';
import { rfc5424Timestamp } from './timestamp.js';

const BOM = '\uFEFF';

/**
 * RFC 5424: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [BOM]MSG`.
 * TIMESTAMP is the record's own; MSG is the record's JSON line unchanged, so a SIEM parser that
 * expects the raw record (Google SecOps CHATGPT_AUDIT_LOG) reads it as is.
 */
export function rfc5424Formatter(options: HeaderOptions): Formatter {
  const origin = `${options.hostname} ${options.appName} ${options.procId}`;
  const msgIdOf = msgIdResolver(options.msgId);
  const { facility, severityOf } = options;
  const metadata = options.sdId === undefined ? () => '-' : metadataElementBuilder(options.sdId);
  const bom = options.bom ? BOM : '';
  return lineFormatter((record) => {
    const pri = priority(facility, severityOf(record));
    const sd = metadata(record);
    return `<${pri}>1 ${rfc5424Timestamp(record.timestamp)} ${origin} ${msgIdOf(record)} ${sd} ${bom}`;
  });
}
