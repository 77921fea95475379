import { readFile, writeFile } from 'node:fs/promises';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TempDirs } from '../helpers/export-fixtures.ts';
import { KAFKA_CLIENTS } from '../helpers/kafka-clients.ts';
import { assertNothingLost } from './crash-assertions.ts';
import { type CrashOutcome, runCrashScenario, timeUninterruptedRun } from './crash-harness.ts';
import {
  elasticsearchTarget,
  fileTarget,
  hecAckTarget,
  kafkaTarget,
  type StartedTarget,
  startCrashSimulator,
  syslogTcpTarget,
} from './crash-targets.ts';

/*
 * The long crash-consistency campaign (`npm run chaos`): for each durable sink, ROUNDS rounds of
 * KILLS_PER_ROUND SIGKILLs (each round a fresh state directory and a fresh receiver, its own
 * seed), then a full run and the independent check. The table replaces the section between the
 * chaos markers in docs/reliability.md. Tune with CF_CHAOS_ROUNDS / CF_CHAOS_KILLS.
 *
 * Kill moments adapt to the sink: before the rounds, one uninterrupted export into a receiver of
 * its own is timed, and kills land anywhere from MIN_DELAY_MS to that duration — every other one
 * after the moment that run wrote its first checkpoint. A fixed window missed slow sinks (HEC with
 * acknowledgement polls every 10 s and never checkpointed within 2.8 s, so no kill tested a resume
 * from a checkpoint; a uniform window over the whole run still hit the short stretch after the
 * first ack in none of 20 kills). A round's attempts end once a run completes.
 */
const MIN_DELAY_MS = 300;
const ROUNDS = Number(process.env.CF_CHAOS_ROUNDS ?? 25);
const KILLS_PER_ROUND = Number(process.env.CF_CHAOS_KILLS ?? 6);
const DOC = fileURLToPath(new URL('../../docs/reliability.md', import.meta.url));
const BEGIN = '<!-- chaos:begin -->';
const END = '<!-- chaos:end -->';
const tmp = new TempDirs();
after(() => tmp.cleanup());

const targets: Array<[string, (dir: string) => Promise<StartedTarget>]> = [
  ['file', async (dir) => fileTarget(dir)],
  ...KAFKA_CLIENTS.map((client): [string, () => Promise<StartedTarget>] => [
    `kafka (${client})`,
    () => kafkaTarget(client),
  ]),
  ['splunk-hec', () => hecAckTarget()],
  ['syslog', () => syslogTcpTarget()],
  ['elasticsearch', () => elasticsearchTarget()],
];
const rows: string[] = [];

for (const [name, make] of targets) {
  test(`chaos: ${ROUNDS} × ${KILLS_PER_ROUND} SIGKILLs into ${name}`, {
    skip: process.env.CF_CHAOS !== '1' && 'npm run chaos only',
  }, async (t) => {
    const sim = await startCrashSimulator(`chaos-${name}`);
    const outcomes: CrashOutcome[] = [];
    const failures: string[] = [];
    let runMs = 0;
    let checkpointMs = 0;
    try {
      const calibrationDir = await tmp.make();
      const calibration = await make(calibrationDir);
      try {
        ({ totalMs: runMs, firstCheckpointMs: checkpointMs } = await timeUninterruptedRun(calibration, {
          ...sim,
          dir: calibrationDir,
        }));
      } finally {
        await calibration.stop();
      }
      for (let round = 0; round < ROUNDS; round++) {
        const dir = await tmp.make();
        const target = await make(dir);
        try {
          const o = await runCrashScenario(target, {
            ...sim,
            dir,
            kills: KILLS_PER_ROUND,
            seed: 1000 + round * 7919,
            minDelayMs: MIN_DELAY_MS,
            spanMs: Math.max(100, runMs - MIN_DELAY_MS),
            lateWindow: { fromMs: checkpointMs, spanMs: Math.max(100, runMs - checkpointMs) },
          });
          outcomes.push(o);
          try {
            assertNothingLost(o);
            if (target.exactlyOnce && o.duplicates > 0) {
              throw new Error(`${o.target}: ${o.duplicates} events in the destination twice`);
            }
          } catch (err) {
            failures.push(`round ${round}: ${(err as Error).message.split('\n')[0]}`);
          }
        } finally {
          await target.stop();
        }
      }
    } finally {
      await sim.stop();
    }
    const sum = (f: (o: CrashOutcome) => number) => outcomes.reduce((a, o) => a + f(o), 0);
    const row = [
      outcomes[0]?.target ?? name,
      outcomes.length,
      `${MIN_DELAY_MS}–${runMs} (${checkpointMs}–${runMs})`,
      sum((o) => o.attempts),
      sum((o) => o.killed),
      sum((o) => o.expectedEvents),
      sum((o) => o.missing.length),
      sum((o) => o.unexpected),
      sum((o) => o.duplicates),
      sum((o) => o.repeatedFiles),
      sum((o) => o.repeatsOfCheckpointedFiles.length),
      `${sum((o) => o.unreadableCheckpoints.length)} / ${sum((o) => o.checkpointsRead)}`,
      failures.length === 0 ? 'pass' : `FAIL: ${failures.join('; ')}`,
    ];
    rows.push(`| ${row.join(' | ')} |`);
    t.diagnostic(rows.at(-1) ?? '');
    if (failures.length > 0) throw new Error(failures.join('\n'));
  });
}

test('chaos: write the table to docs/reliability.md', {
  skip: process.env.CF_CHAOS !== '1' && 'npm run chaos only',
}, async () => {
  const table = [
    `Campaign run ${new Date().toISOString().slice(0, 16)}Z on Node ${process.version}: ${ROUNDS} rounds × up to ${KILLS_PER_ROUND} kill attempts per sink (a round stops once a run completes), kill moments seeded and drawn from the window shown (ms after start: up to an uninterrupted run's duration; every other attempt within the brackets, from that run's first checkpoint on).`,
    '',
    '| sink | rounds | kill window (ms) | kill attempts | runs killed | events expected (sum) | missing | unexpected | duplicates | files repeated | repeats of checkpointed files | unreadable checkpoints / read | result |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
  const doc = await readFile(DOC, 'utf8');
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/reliability.md lacks the ${BEGIN} … ${END} markers`);
  await writeFile(DOC, `${doc.slice(0, start + BEGIN.length)}\n${table}\n${doc.slice(end)}`);
});
