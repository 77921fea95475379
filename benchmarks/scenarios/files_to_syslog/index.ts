import { startRsyslog } from '../../../test/infra/rsyslog.js';
import {
  forwarderContender,
  rsyslogContender,
  rsyslogProblem,
  syslogNgContender,
  type Target,
  tallyCounter,
} from '../../lib/native-peers.js';
import { runFilesScenario } from '../../lib/native-peers-suite.js';
import type { Scenario } from '../../lib/result.js';

/**
 * files_to_syslog: the forwarder's `files` source replaying a JSONL archive (100 MB and 500 MB of
 * ~1.5 KB conversation records) over TCP syslog (RFC 5424, octet counting) into a private
 * rsyslogd, next to rsyslog (imfile + mmjsonparse + omfwd) and syslog-ng (file + json-parser +
 * syslog()), each its own instance.
 */
const syslogSink = (target: Target) => {
  if (target.kind !== 'syslog') throw new Error('files_to_syslog targets syslog');
  return ['--sink', 'syslog', '--syslog-url', `tcp://127.0.0.1:${target.port}`];
};

/** The receiver's tally template writes "%inputname%\n": "tcp\n" per message from the TCP input. */
const TALLY_LINE_BYTES = 'tcp\n'.length;

export const scenario: Scenario = {
  name: 'files_to_syslog',
  run: (ctx) =>
    runFilesScenario(ctx, {
      into: 'syslog',
      summary: 'a JSONL archive replayed over TCP syslog: the forwarder vs rsyslog and syslog-ng',
      receiverNote:
        'Receiver: a private rsyslogd (test/infra/rsyslog.ts, tally ruleset: parses each RFC 5424 message, writes one short line) on loopback, as simulator_to_syslog uses; every contender sends RFC 5424 with octet counting over TCP.',
      contenders: [
        forwarderContender(ctx.cli, 'forwarder (files source)', syslogSink),
        rsyslogContender('syslog', true),
        syslogNgContender(),
        rsyslogContender('syslog', false),
      ],
      receiverProblem: rsyslogProblem('syslog'),
      async startReceiver() {
        const rsyslog = await startRsyslog({ ruleset: 'tally' });
        const tally = tallyCounter(rsyslog.dir, TALLY_LINE_BYTES);
        return {
          receiver: {
            prepare: async () => ({ kind: 'syslog', port: rsyslog.port }),
            count: async () => tally(),
          },
          stop: () => rsyslog.close(),
        };
      },
    }),
};
