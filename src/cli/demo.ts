import { join } from 'node:path';
import { validateConfig } from '../config/load.js';
import { parseTime } from '../config/time.js';
import { Simulator } from '../simulator/index.js';
import { type Command, parseCommandArgs, usageError } from './command.js';
import { runExport } from './export.js';
import { SINK_FLAG_OPTIONS, SINK_FLAGS_USAGE, sinksFromFlags } from './sink-flags/index.js';

const USAGE = `Usage: compliance-forwarder demo [options]

Starts the built-in simulator of the Compliance Logs Platform in this process and exports a
window from it through the whole pipeline: list, download (rate limited, verified), split,
enrich, de-duplicate, deliver, checkpoint. No key or network needed.

  --dir DIR               where output, state and dead letters go (default ./compliance-forwarder-demo)
  --after TIME            window start (default -6h)
  --event-type T[,T...]   default AUDIT_LOG,AUTH_LOG,CONVERSATION_MESSAGE
${SINK_FLAGS_USAGE}
  --seed SEED             simulator seed (default compliance-forwarder)

Run it twice: the second run resumes from the checkpoints and only fetches what is new.`;

const OPTIONS = {
  dir: { type: 'string' },
  after: { type: 'string' },
  'event-type': { type: 'string', multiple: true },
  seed: { type: 'string' },
  ...SINK_FLAG_OPTIONS,
} as const;

export const demoCommand: Command = {
  name: 'demo',
  summary: 'Export a window from the built-in simulator (no key needed).',
  usage: USAGE,
  options: OPTIONS,
  async run(argv, io) {
    const { values } = parseCommandArgs({ args: argv, options: OPTIONS });
    const dir = values.dir ?? 'compliance-forwarder-demo';
    const eventTypes = (values['event-type'] ?? ['AUDIT_LOG,AUTH_LOG,CONVERSATION_MESSAGE']).flatMap((t) =>
      t.split(','),
    );
    let after: string;
    try {
      after = parseTime(values.after ?? '-6h').toISOString();
    } catch (err) {
      throw usageError((err as Error).message);
    }
    // The real API allows 50 downloads a minute; the demo keeps the same shape on a 2 s window
    // (the client limits itself to match, so no 429s) so it finishes in seconds.
    const rateWindowMs = 2000;
    const sim = new Simulator({
      port: 0,
      seed: values.seed ?? 'compliance-forwarder',
      faults: {
        rateLimit: {
          list: { limit: 100, windowMs: rateWindowMs },
          download: { limit: 50, windowMs: rateWindowMs },
        },
      },
    });
    const info = await sim.start();
    try {
      io.stderr.write(`simulator: ${info.baseUrl} (workspace ${info.sampleWorkspaceId})\n`);
      const config = validateConfig(
        {
          source: { apiKey: { value: info.apiKey }, baseUrl: info.baseUrl, rateWindowMs },
          principals: [{ id: info.sampleWorkspaceId, eventTypes }],
          sinks: sinksFromFlags(values, io.env) ?? [{ type: 'file', directory: join(dir, 'output') }],
          state: { dir: join(dir, 'state') },
          log: { level: 'warn' },
        },
        'The demo options',
      );
      const code = await runExport(
        { config, window: { principalId: info.sampleWorkspaceId, eventTypes, after }, progress: true },
        io,
      );
      const out = config.sinks[0];
      if (code === 0 && out?.type === 'file') {
        io.stderr.write(`output in ${out.directory}, checkpoints in ${join(dir, 'state')}\n`);
      }
      return code;
    } finally {
      await sim.stop();
    }
  },
};
