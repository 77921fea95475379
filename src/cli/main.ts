import { isCfError } from '../core/errors/index.js';
import { redactSecrets } from '../core/secret.js';
import { VERSION } from '../core/version.js';
import type { Command, CommandIo } from './command.js';

/** Commands load lazily so `--help` and `fetch` start fast. */
export const COMMANDS: Record<string, () => Promise<Command>> = {
  demo: async () => (await import('./demo.js')).demoCommand,
  fetch: async () => (await import('./fetch.js')).fetchCommand,
  export: async () => (await import('./export.js')).exportCommand,
  run: async () => (await import('./run.js')).runCommand,
  state: async () => (await import('./state.js')).stateCommand,
  validate: async () => (await import('./validate.js')).validateCommand,
  simulate: async () => (await import('./simulate.js')).simulateCommand,
};

async function usage(): Promise<string> {
  const lines = ['Usage: compliance-forwarder <command> [options]', '', 'Commands:'];
  for (const load of Object.values(COMMANDS)) {
    const c = await load();
    lines.push(`  ${c.name.padEnd(10)} ${c.summary}`);
  }
  lines.push(
    '',
    'Run `compliance-forwarder <command> --help` for the options of a command,',
    '`compliance-forwarder --version` for the version.',
  );
  return lines.join('\n');
}

export async function main(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${await usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const load = COMMANDS[name];
  if (load === undefined) {
    io.stderr.write(`Unknown command: ${name}\n\n${await usage()}\n`);
    return 2;
  }
  const command = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (isCfError(err) && err.code === 'CF_ERR_USAGE') {
      io.stderr.write(`${redactSecrets(err.message)}\n\n${command.usage}\n`);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    const code = isCfError(err) ? `${err.code}: ` : '';
    io.stderr.write(`compliance-forwarder ${name}: ${code}${redactSecrets(message)}\n`);
    return isCfError(err) && (err.code === 'CF_ERR_CONFIG' || err.code === 'CF_ERR_SECRET_MISSING') ? 2 : 1;
  }
}
