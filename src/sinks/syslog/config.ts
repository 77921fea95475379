import { z } from 'zod';
import { secretRefSchema } from '../../core/secret-ref.js';
import { FACILITY_NAMES, SEVERITY_NAMES } from './priority.js';
import { parseSyslogUrl } from './url.js';

/** The largest UDP payload over IPv4 (65,535 - 8 UDP header - 20 IP header); beyond it EMSGSIZE. */
export const UDP_MAX_MESSAGE_BYTES = 65_507;
/** RFC 5424 section 6.1: every receiver must take 480 octets, so nothing smaller makes sense. */
const MIN_MESSAGE_BYTES = 480;

/** PRINTUSASCII (RFC 5424): the characters allowed in HOSTNAME, APP-NAME, PROCID and MSGID. */
const printUsAscii = (max: number) =>
  z
    .string()
    .regex(/^[\x21-\x7e]+$/, 'printable US-ASCII, no spaces')
    .max(max);

const severityValue = z.union([z.enum(SEVERITY_NAMES), z.number().int().min(0).max(7)]);
const facilityValue = z.union([z.enum(FACILITY_NAMES), z.number().int().min(0).max(23)]);

const DEFAULT_SEVERITY_MAP = {
  field: 'action_result',
  values: { SUCCESS: 'info', BLOCKED: 'warning', ERROR: 'err' },
} as const;

const tlsSchema = z
  .strictObject({
    caFile: z.string().min(1).optional().meta({
      description:
        'PEM file with the CA certificate(s) that sign the receiver certificate. Default: the CAs bundled with Node.',
    }),
    certFile: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Client certificate chain (PEM) for mutual TLS; needs `key`.' }),
    key: secretRefSchema.optional().meta({
      description: 'Client private key (PEM) for mutual TLS, e.g. { file: /etc/cf/client-key.pem }.',
    }),
    keyPassphrase: secretRefSchema.optional().meta({ description: 'Passphrase of an encrypted client key.' }),
    serverName: z.string().min(1).optional().meta({
      description: 'Name to verify the receiver certificate against (and SNI). Default: the URL host.',
    }),
    verifyServer: z.boolean().default(true).meta({
      description: 'Verify the receiver certificate and name (RFC 5425). Turning it off allows interception.',
    }),
    minVersion: z
      .enum(['TLSv1.2', 'TLSv1.3'])
      .default('TLSv1.2')
      .meta({ description: 'Oldest TLS version.' }),
  })
  .meta({ description: 'TLS settings for tcp+tls:// URLs.' });

export const syslogSinkConfigSchema = z
  .strictObject({
    type: z.literal('syslog'),
    name: z.string().min(1).optional().meta({ description: 'Instance name for logs, metrics and routes.' }),
    url: z
      .string()
      .superRefine((value, ctx) => {
        const parsed = parseSyslogUrl(value);
        if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
      })
      .meta({
        description: 'Receiver: udp://host:514, tcp://host:514 or tcp+tls://host:6514 (tls:// also works).',
      }),
    format: z
      .enum(['rfc5424', 'rfc3164'])
      .default('rfc5424')
      .meta({ description: 'RFC 5424 (structured data, full timestamp) or legacy BSD RFC 3164.' }),
    framing: z.enum(['octet-counting', 'newline']).default('octet-counting').meta({
      description:
        'TCP/TLS framing: octet counting (RFC 6587/5425, safe for any content) or a newline after each message (embedded newlines are escaped as \\n). Not used over UDP.',
    }),
    facility: facilityValue.default('user').meta({ description: 'Syslog facility, by name or number.' }),
    severity: severityValue
      .default('info')
      .meta({ description: 'Severity for records the severity map does not decide.' }),
    severityMap: z
      .union([
        z.literal(false),
        z.strictObject({
          field: z
            .string()
            .min(1)
            .meta({ description: 'Dotted path of a record field, e.g. action_result.' }),
          values: z
            .record(z.string(), severityValue)
            .meta({ description: 'Field value to severity; other values get `severity`.' }),
        }),
      ])
      .default(DEFAULT_SEVERITY_MAP)
      .meta({
        description:
          'Severity taken from a record field (default: AUDIT_LOG action_result SUCCESS=info, BLOCKED=warning, ERROR=err); false turns it off.',
      }),
    hostname: printUsAscii(255).optional().meta({ description: 'HOSTNAME field. Default: this host name.' }),
    appName: printUsAscii(48)
      .default('compliance-forwarder')
      .meta({ description: 'APP-NAME (RFC 3164: the TAG).' }),
    procId: printUsAscii(128).optional().meta({ description: 'PROCID field. Default: the process id.' }),
    msgId: printUsAscii(32)
      .optional()
      .meta({ description: "MSGID field. Default: the record's event type (e.g. AUDIT_LOG)." }),
    structuredData: z.boolean().default(true).meta({
      description: 'RFC 5424: add [sdId event_id=… event_type=… principal_type=… principal_id=… file_id=…].',
    }),
    sdId: z
      .string()
      .regex(/^[\x21-\x7e]+@\d+$/, 'name@<private enterprise number>, e.g. cf@32473')
      .refine((s) => !/[= \]"]/.test(s), 'no "=", space, "]" or quote')
      .max(32)
      .default('cf@32473')
      .meta({
        description:
          'SD-ID of the metadata element: name@PEN. 32473 is the IANA example number; use your organisation PEN.',
      }),
    bom: z
      .boolean()
      .default(false)
      .meta({ description: 'RFC 5424: start MSG with a UTF-8 BOM (some parsers then fail on the JSON).' }),
    messageMaxBytes: z
      .number()
      .int()
      .min(MIN_MESSAGE_BYTES)
      .max(64 * 1024 * 1024)
      .optional()
      .meta({
        description:
          'Largest syslog message in bytes, framing excluded. Default: 2048 for UDP or RFC 3164, 65536 for TCP/TLS. The receiver must accept it (rsyslog maxMessageSize, imtcp maxFrameSize).',
      }),
    oversizePolicy: z.enum(['dead-letter', 'truncate', 'fail']).default('dead-letter').meta({
      description:
        'A message over messageMaxBytes: dead-letter the record, truncate MSG and end it with "...[truncated]", or stop the pipeline.',
    }),
    tls: tlsSchema.optional(),
    connectTimeoutMs: z
      .number()
      .int()
      .min(1)
      .default(10_000)
      .meta({ description: 'TCP/TLS connect timeout.' }),
    writeStallTimeoutMs: z.number().int().min(1).default(30_000).meta({
      description: 'TCP/TLS: a connection whose pending writes make no progress this long is reconnected.',
    }),
    closeTimeoutMs: z.number().int().min(0).default(10_000).meta({
      description:
        'At the end, wait this long for the receiver to close its side (it has then read everything).',
    }),
    retryInitialDelayMs: z.number().int().min(1).default(500).meta({ description: 'First reconnect delay.' }),
    retryMaxDelayMs: z.number().int().min(1).default(30_000).meta({ description: 'Reconnect delay cap.' }),
    retryMaxAttempts: z.number().int().min(1).default(10).meta({
      description: 'Consecutive failed attempts (connect or send) before the sink fails the pipeline.',
    }),
    resendWindowMs: z.number().int().min(0).default(5_000).meta({
      description:
        'TCP/TLS: after a lost connection, records written to the socket less than this long before are sent again.',
    }),
    resendWindowMaxBytes: z
      .number()
      .int()
      .min(0)
      .default(16 * 1024 * 1024)
      .meta({ description: 'TCP/TLS: memory kept for resending, at most (the most recent bytes).' }),
    batchMaxCount: z.number().int().min(1).default(1000).meta({ description: 'Records per batch.' }),
    batchMaxBytes: z
      .number()
      .int()
      .min(1)
      .default(1024 * 1024)
      .meta({ description: 'Record bytes per batch.' }),
    lingerMs: z.number().int().min(0).default(50).meta({ description: 'Wait for more records this long.' }),
    maxInFlight: z.number().int().min(1).max(16).default(2).meta({
      description: 'Batches being encoded or written at once (writes stay in order on one connection).',
    }),
  })
  .superRefine(
    (config, ctx) => {
      // Runs even when single fields failed (see `when`), so every problem is reported at once:
      // read the fields defensively.
      const target = typeof config.url === 'string' ? parseSyslogUrl(config.url) : undefined;
      if (target === undefined || typeof target === 'string') return; // reported on `url`
      const maxBytes = config.messageMaxBytes;
      if (target.transport === 'udp' && typeof maxBytes === 'number' && maxBytes > UDP_MAX_MESSAGE_BYTES) {
        ctx.addIssue({
          code: 'custom',
          path: ['messageMaxBytes'],
          message: `Over UDP a message cannot exceed ${UDP_MAX_MESSAGE_BYTES} bytes; use tcp:// or tcp+tls:// for larger records.`,
        });
      }
      const tls = config.tls as Partial<SyslogTlsConfig> | undefined;
      if (tls !== undefined && target.transport !== 'tls') {
        ctx.addIssue({ code: 'custom', path: ['tls'], message: 'TLS settings need a tcp+tls:// URL.' });
      }
      if (
        typeof tls === 'object' &&
        tls !== null &&
        (tls.certFile === undefined) !== (tls.key === undefined)
      ) {
        ctx.addIssue({ code: 'custom', path: ['tls'], message: 'Mutual TLS needs both certFile and key.' });
      }
      if (
        typeof config.retryMaxDelayMs === 'number' &&
        typeof config.retryInitialDelayMs === 'number' &&
        config.retryMaxDelayMs < config.retryInitialDelayMs
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['retryMaxDelayMs'],
          message: 'retryMaxDelayMs must be at least retryInitialDelayMs.',
        });
      }
    },
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
  )
  .meta({
    description:
      'Syslog (RFC 5424 or 3164) over UDP, TCP or TLS; MSG is the JSON record. See docs/sinks/syslog.md.',
  });

export type SyslogSinkConfig = z.infer<typeof syslogSinkConfigSchema>;
export type SyslogTlsConfig = z.infer<typeof tlsSchema>;
