/**
 * Every command's usage text lists exactly the options it parses (`Command.options`, the table
 * it hands parseArgs), with a value where the option takes one: an option missing from --help
 * cannot be found, and one listed but not parsed fails with "Unknown option".
 */
import { strict as assert } from 'node:assert';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import type { Command } from '../../../src/cli/command.js';
import { COMMANDS, main } from '../../../src/cli/main.js';
import { fileFlags } from '../../../src/cli/sink-flags/file.js';
import { kafkaFlags } from '../../../src/cli/sink-flags/kafka.js';
import { splunkHecFlags } from '../../../src/cli/sink-flags/splunk-hec.js';
import { syslogFlags } from '../../../src/cli/sink-flags/syslog.js';

/** Whether each listed option takes a value, per usage: `--name VALUE  text` or `--name  text`. */
export function listedOptions(usage: string): Map<string, boolean> {
  const listed = new Map<string, boolean>();
  for (const line of usage.split('\n')) {
    // The synopsis: `Usage: ... --state-dir DIR [--stream KEY] [--json]`.
    if (line.startsWith('Usage:')) {
      for (const m of line.matchAll(/--([a-z0-9][a-z0-9-]*)( [A-Z]\S*)?/g))
        listed.set(m[1]!, m[2] !== undefined);
      continue;
    }
    // An option's own line: `  --port N    API port ...` or `  --live    time advances ...`.
    const m = /^\s+--([a-z0-9][a-z0-9-]*)( \S+)?(?: {2,}|$)/.exec(line);
    if (m !== null) listed.set(m[1]!, m[2] !== undefined);
  }
  return listed;
}

/** Every `--name` the text mentions, in prose too (`implies --sink file`). */
export function mentionedOptions(usage: string): Set<string> {
  return new Set([...usage.matchAll(/(?<![\w-])--([a-z0-9][a-z0-9-]*)/g)].map((m) => m[1]!));
}

/**
 * What disagrees between a usage text and the options parsed, one sentence each. `elsewhere`: options
 * the text may name that are parsed by someone else (main() answers --help for every command).
 */
export function disagreements(
  who: string,
  usage: string,
  options: Readonly<Record<string, { readonly type: 'string' | 'boolean' }>>,
  elsewhere: readonly string[] = ['help'],
): string[] {
  const problems: string[] = [];
  const listed = listedOptions(usage);
  for (const [name, { type }] of Object.entries(options)) {
    const takesValue = listed.get(name);
    if (takesValue === undefined) problems.push(`${who}: parses --${name}, which its usage does not list`);
    else if (takesValue !== (type === 'string'))
      problems.push(
        `${who}: --${name} is a ${type} option, but its usage shows it ${takesValue ? 'with' : 'without'} a value`,
      );
  }
  for (const name of mentionedOptions(usage)) {
    if (!elsewhere.includes(name) && !Object.hasOwn(options, name))
      problems.push(`${who}: its usage names --${name}, which it does not parse`);
  }
  return problems;
}

test('the usage extraction sees options, their values and prose mentions', () => {
  const usage = `Usage: x state show|reset --state-dir DIR [--stream KEY] [--json]

  --port N                      API port
  --live                        time advances (implies --speed 1)
  --event-type T[,T...]   one or more
  --bandwidth-bytes-per-second N  per-connection cap
Faults can also be changed while running: POST /__control/faults.`;
  assert.deepEqual(
    [...listedOptions(usage)],
    [
      ['state-dir', true],
      ['stream', true],
      ['json', false],
      ['port', true],
      ['live', false],
      ['event-type', true],
      ['bandwidth-bytes-per-second', true],
    ],
  );
  assert.ok(mentionedOptions(usage).has('speed'));
  assert.ok(!mentionedOptions(usage).has('control'));
  assert.deepEqual(
    disagreements('x', usage, {
      'state-dir': { type: 'string' },
      stream: { type: 'string' },
      json: { type: 'string' },
      port: { type: 'string' },
      live: { type: 'boolean' },
      'event-type': { type: 'string' },
      'bandwidth-bytes-per-second': { type: 'string' },
      gzip: { type: 'boolean' },
    }),
    [
      'x: --json is a string option, but its usage shows it without a value',
      'x: parses --gzip, which its usage does not list',
      'x: its usage names --speed, which it does not parse',
    ],
  );
});

test('every command lists exactly the options it parses', async () => {
  const commands: Command[] = await Promise.all(Object.values(COMMANDS).map((load) => load()));
  assert.deepEqual(
    commands.map((c) => c.name),
    Object.keys(COMMANDS),
  );
  assert.deepEqual(
    commands.flatMap((c) => disagreements(c.name, c.usage, c.options)),
    [],
  );
});

test('every sink kind lists exactly the flags it parses', () => {
  const kinds = [fileFlags, kafkaFlags, splunkHecFlags, syslogFlags];
  assert.deepEqual(
    // A kind's lines may name --sink, which SINK_FLAG_OPTIONS adds for all kinds.
    kinds.flatMap((k) => disagreements(`sink flags ${k.kind}`, k.usage, k.options, ['sink'])),
    [],
  );
  for (const k of kinds)
    assert.ok(Object.hasOwn(k.options, k.selector), `${k.kind}: selector --${k.selector}`);
});

test('the top-level usage names the options main() answers itself', async () => {
  const stdout = new PassThrough();
  let text = '';
  stdout.setEncoding('utf8').on('data', (d: string) => {
    text += d;
  });
  const io = {
    stdout,
    stderr: new PassThrough(),
    env: {},
    isTty: false,
    signal: new AbortController().signal,
  };
  assert.equal(await main(['--help'], io), 0);
  // (The commands' summaries may name their own options too.)
  for (const name of ['help', 'version']) assert.ok(mentionedOptions(text).has(name), `--${name}:\n${text}`);
  text = '';
  assert.equal(await main(['--version'], io), 0);
  assert.match(text, /^\d+\.\d+\.\d+/);
});
