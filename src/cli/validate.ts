import { readConfigFile, validateConfig } from '../config/load.js';
import { unknownEventTypesOf } from '../config/schema.js';
import { isCfError } from '../core/errors/index.js';
import { type Command, parseCommandArgs, usageError } from './command.js';

const USAGE = `Usage: compliance-forwarder validate --config FILE

Checks a YAML or JSON config against the schema and lists every problem at once
(exit 0 valid, 1 invalid, 2 usage). Secrets are not read.`;

const OPTIONS = { config: { type: 'string' } } as const;

export const validateCommand: Command = {
  name: 'validate',
  summary: 'Check a config file and list every problem at once.',
  usage: USAGE,
  options: OPTIONS,
  async run(argv, io) {
    const { values } = parseCommandArgs({ args: argv, options: OPTIONS });
    if (values.config === undefined) throw usageError('--config is required.');
    try {
      const config = validateConfig(await readConfigFile(values.config), values.config);
      const sinks = config.sinks.map((s) => s.name ?? s.type).join(', ');
      const sources =
        config.sources.length === 0
          ? ''
          : `, ${config.sources.length} other sources (${config.sources.map((s) => s.type).join(', ')})`;
      io.stdout.write(
        `${values.config} is valid: ${config.principals.length} principals${sources}, ${config.sinks.length} sinks (${sinks})\n`,
      );
      const unknown = unknownEventTypesOf(config);
      if (unknown.length > 0) {
        io.stdout.write(
          `Event types outside the built-in list (accepted; the API added them since?): ${unknown.join(', ')}\n`,
        );
      }
      return 0;
    } catch (err) {
      if (isCfError(err) && err.code === 'CF_ERR_CONFIG') {
        io.stderr.write(`${err.message}\n`);
        return 1;
      }
      throw err;
    }
  },
};
