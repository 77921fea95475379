import { CheckpointStore } from '../state/index.js';
import { type Command, parseCommandArgs, usageError } from './command.js';

const USAGE = `Usage: compliance-forwarder state show|reset --state-dir DIR [--stream KEY] [--json]

  show     prints every stream's checkpoint: end time, files delivered, ids at the end time
  reset    removes the checkpoint of one stream (--stream workspace/<id>/<TYPE>) or of all
           streams; the next run starts from its window or look-back again`;

const OPTIONS = {
  'state-dir': { type: 'string' },
  stream: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const stateCommand: Command = {
  name: 'state',
  summary: 'Show or reset the checkpoints in a state directory.',
  usage: USAGE,
  options: OPTIONS,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs({
      args: argv,
      options: OPTIONS,
      allowPositionals: true,
    });
    const [action, ...extra] = positionals;
    if (action !== 'show' && action !== 'reset') throw usageError('state needs show or reset.');
    if (extra.length > 0) throw usageError(`unexpected argument ${extra[0]}`);
    if (values['state-dir'] === undefined) throw usageError('--state-dir is required.');
    const store = new CheckpointStore(values['state-dir']);
    if (action === 'reset') {
      const n = await store.reset(values.stream);
      io.stdout.write(`removed ${n} checkpoint${n === 1 ? '' : 's'}\n`);
      return 0;
    }
    const all = (await store.list()).filter(
      (c) => !('stream' in c) || values.stream === undefined || c.stream === values.stream,
    );
    if (values.json) {
      io.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
    } else if (all.length === 0) {
      io.stdout.write('no checkpoints\n');
    } else {
      for (const c of all) {
        if ('error' in c) io.stdout.write(`${c.file}: UNREADABLE: ${c.error}\n`);
        else
          io.stdout.write(
            `${c.stream}  end_time ${c.endTime}  files ${c.filesDelivered}  ids at end ${c.idsAtEndTime.length}  updated ${c.updatedAt}\n`,
          );
      }
    }
    return all.some((c) => 'error' in c) ? 1 : 0;
  },
};
