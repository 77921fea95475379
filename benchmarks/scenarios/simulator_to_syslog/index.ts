import type { FigureRow, Scenario } from '../../lib/result.js';
import { ratioTarget, runSinkBench, sinkRow } from '../../lib/sink-bench.js';
import { fixed } from '../../lib/stats.js';

/**
 * simulator_to_syslog: the syslog sink over TCP (octet counting) into a private rsyslogd, next to
 * a minimal node:net loop writing the sink's own framed bytes to the same receiver
 * (benchmarks/sinks/syslog.ts). Target: at least 80% of the loop.
 */
const ROW = /^(udp|tcp|tls)\s+(sink|baseline)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)/;

export const scenario: Scenario = {
  name: 'simulator_to_syslog',
  run: (ctx) =>
    runSinkBench(ctx, {
      kind: 'syslog',
      needs: ['rsyslogd', 'openssl'],
      records: (quick) => (quick ? 2000 : 30_000),
      args: (quick) =>
        quick
          ? ['--records=2000', '--runs=1', '--transports=tcp']
          : ['--records=30000', '--runs=3', '--transports=tcp'],
      summary:
        'the syslog sink (TCP, octet counting) into rsyslogd, vs a minimal node:net loop writing the same frames',
      setup: [
        'benchmarks/sinks/syslog.ts: 1-2 KB AUDIT_LOG and CONVERSATION_MESSAGE records (mixed UTF-8) generated in the child, RFC 5424 with octet counting over TCP to a private rsyslogd (tally ruleset) on loopback, timed until the receiver closed the connection.',
        "Baseline: the sink's own framed bytes, captured once, written by a bare node:net socket in 64 KiB writes honouring drain, same receiver. Each variant in its own child process; medians of the runs.",
      ],
      parse(stdout, records) {
        const found = new Map<
          string,
          { eventsPerSecond: number; mibPerSecond: number; cpuSeconds: number; peakRssMiB: number }
        >();
        const runs = Number(/median of (\d+) runs/.exec(stdout)?.[1] ?? 1);
        for (const line of stdout.split('\n')) {
          const m = ROW.exec(line.trim());
          if (m === null) continue;
          found.set(`${m[1]} ${m[2]}`, {
            eventsPerSecond: Number(m[3]),
            mibPerSecond: Number(m[4]),
            cpuSeconds: Number(m[5]),
            peakRssMiB: Number(m[6]),
          });
        }
        const sink = found.get('tcp sink');
        const loop = found.get('tcp baseline');
        if (sink === undefined || loop === undefined)
          throw new Error('no tcp sink/baseline rows in the syslog bench output');
        const rows: FigureRow[] = [
          sinkRow(
            'syslog sink (tcp)',
            'subject',
            runs,
            records,
            sink,
            `${fixed((sink.eventsPerSecond / loop.eventsPerSecond) * 100, 0)}% of the node:net loop`,
          ),
          sinkRow('node:net loop', 'baseline', runs, records, loop),
        ];
        return {
          rows,
          targets: [
            ratioTarget('>= 80% of a minimal node:net loop', sink.eventsPerSecond, loop.eventsPerSecond, 0.8),
          ],
        };
      },
    }),
};
