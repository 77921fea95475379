import type { FigureRow, Scenario } from '../../lib/result.js';
import { ratioTarget, runSinkBench, sinkRow } from '../../lib/sink-bench.js';
import { fixed, percent } from '../../lib/stats.js';

/**
 * simulator_to_syslog: the syslog sink over TCP (octet counting) into a private rsyslogd, next to
 * a minimal forwarding loop on the same records (benchmarks/sinks/syslog.ts): each record
 * formatted and framed by the sink's own encoder, written by a bare node:net socket. Target: at
 * least 80% of the loop's events/s (wall clock, as the issue states it); the ratio per CPU second
 * of each child is shown beside it. A third row, "transport only", writes pre-framed bytes (no
 * per-record work): the transport's ceiling, for information, not the target's baseline.
 */
const ROW =
  /^(udp|tcp|tls)\s+(sink|baseline|transport-only)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)/;

interface Figures {
  readonly eventsPerSecond: number;
  readonly mibPerSecond: number;
  readonly cpuSeconds: number;
  readonly eventsPerCpuSecond: number;
  readonly peakRssMiB: number;
}

export const scenario: Scenario = {
  name: 'simulator_to_syslog',
  run: (ctx) =>
    runSinkBench(ctx, {
      kind: 'syslog',
      needs: ['rsyslogd', 'openssl'],
      // 200,000 records (about 3 s a run): 30,000 measured mostly JIT warm-up of the sink's path.
      records: (quick) => (quick ? 2000 : 200_000),
      args: (quick) =>
        quick
          ? ['--records=2000', '--runs=1', '--transports=tcp']
          : ['--records=200000', '--runs=3', '--transports=tcp'],
      summary:
        "the syslog sink (TCP, octet counting) into rsyslogd, vs a minimal node:net loop framing the same records with the sink's encoder",
      setup: [
        'benchmarks/sinks/syslog.ts: 1-2 KB AUDIT_LOG and CONVERSATION_MESSAGE records (mixed UTF-8, each with its UTF-8 size as lineBytes, as the splitter provides) generated in the child, RFC 5424 with octet counting over TCP to a private rsyslogd (tally ruleset) on loopback, timed until the receiver closed the connection.',
        "Baseline (the target's): the same generator, each record formatted, size-checked and framed by the sink's own code (formatterOf, MessageEncoder, FrameWriter into recycled 64 KiB chunks), written by a bare node:net socket honouring drain; no Writable, batching, reconnect or resend window.",
        "Transport only (informational): the sink's framed bytes for 1024 records captured once before timing, written in the same loop: the transport's ceiling without per-record work.",
        "Each variant in its own child process, in rotating order; medians of the runs. CPU is the child's user + system time over the timed part; the target is judged on wall-clock events/s, the per-CPU-second ratio is printed beside it.",
      ],
      parse(stdout, records) {
        const found = new Map<string, Figures>();
        const runs = Number(/median of (\d+) runs/.exec(stdout)?.[1] ?? 1);
        for (const line of stdout.split('\n')) {
          const m = ROW.exec(line.trim());
          if (m === null) continue;
          found.set(`${m[1]} ${m[2]}`, {
            eventsPerSecond: Number(m[3]),
            mibPerSecond: Number(m[4]),
            cpuSeconds: Number(m[5]),
            eventsPerCpuSecond: Number(m[6]),
            peakRssMiB: Number(m[7]),
          });
        }
        const sink = found.get('tcp sink');
        const loop = found.get('tcp baseline');
        const transportOnly = found.get('tcp transport-only');
        if (sink === undefined || loop === undefined)
          throw new Error('no tcp sink/baseline rows in the syslog bench output');
        const versus = (other: Figures, what: string) =>
          `${percent(sink.eventsPerSecond / other.eventsPerSecond)} of ${what} (wall), ` +
          `${percent(sink.eventsPerCpuSecond / other.eventsPerCpuSecond)} (per CPU s)`;
        const rows: FigureRow[] = [
          sinkRow('syslog sink (tcp)', 'subject', runs, records, sink, versus(loop, 'the node:net loop')),
          sinkRow('node:net loop (sink encoder)', 'baseline', runs, records, loop),
        ];
        if (transportOnly !== undefined) {
          rows.push(
            sinkRow(
              'node:net loop, transport only (pre-framed bytes)',
              'baseline',
              runs,
              records,
              transportOnly,
              `informational; the sink: ${versus(transportOnly, 'it')}`,
            ),
          );
        }
        const target = ratioTarget(
          '>= 80% of a minimal node:net loop',
          sink.eventsPerSecond,
          loop.eventsPerSecond,
          0.8,
        );
        return {
          rows,
          targets: [
            {
              ...target,
              measured:
                `${target.measured}; per CPU second ${percent(sink.eventsPerCpuSecond / loop.eventsPerCpuSecond)} ` +
                `(${fixed(sink.eventsPerCpuSecond, 0)} vs ${fixed(loop.eventsPerCpuSecond, 0)} events/CPU s)`,
            },
          ],
        };
      },
    }),
};
