import type { z } from 'zod';
import { formatIssues } from '../config/load.js';
import { CfError } from '../core/errors/index.js';
import {
  type AnySourceDescriptor,
  DEFAULT_SOURCE,
  type ExportFlags,
  SOURCE_TYPES,
  SOURCES,
  type SourceEntry,
  sourceOf,
  withEnvironment,
} from '../sources/index.js';

/**
 * `export --source <type>`: the registry's sources, their flags and usage, and the config entry
 * the flags and the environment make. Nothing here names a source.
 */

export const SOURCE_KINDS: readonly string[] = SOURCE_TYPES;

const SOURCE_FLAGS = (SOURCES as readonly AnySourceDescriptor[]).flatMap((s) =>
  Object.entries(s.cli.flags ?? {}),
);

/** The parseArgs options of every source's own flags. */
export const SOURCE_FLAG_OPTIONS: Readonly<
  Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>
> = Object.fromEntries(
  SOURCE_FLAGS.map(([name, f]) => [name, { type: f.type, ...(f.multiple ? { multiple: true } : {}) }]),
);

const flagLine = (flag: string, text: string) => `  ${flag.padEnd(22)}  ${text}`;

export const SOURCE_FLAGS_USAGE = [
  flagLine(
    '--source KIND',
    SOURCE_TYPES.map((t) => (t === DEFAULT_SOURCE.type ? `${t} (default)` : t)).join(', '),
  ),
  ...SOURCE_FLAGS.map(([name, f]) => flagLine(`--${name}${f.type === 'string' ? ' P' : ''}`, f.usage)),
  wrap(
    `Sources other than ${DEFAULT_SOURCE.type}: ${(SOURCES as readonly AnySourceDescriptor[])
      .filter((s) => s !== DEFAULT_SOURCE)
      .map((s) => s.cli.usage)
      .join(' ')}`,
  ),
].join('\n');

function wrap(text: string, width = 96): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line].join('\n');
}

export interface SourceFlags {
  readonly source?: string;
  readonly principal?: string;
  readonly [flag: string]: unknown;
}

/** The source `export --source` names (default: the config's `source`), or a usage error. */
export function selectedSource(flags: SourceFlags): AnySourceDescriptor {
  const kind = flags.source ?? DEFAULT_SOURCE.type;
  const source = sourceOf(kind);
  if (source === undefined) {
    throw new CfError(
      'CF_ERR_USAGE',
      `Unknown source "${kind}"; expected one of ${SOURCE_KINDS.join(', ')}.`,
    );
  }
  return source;
}

/** The flags in the shape sources read them. */
export function exportFlags(flags: SourceFlags, eventTypes: readonly string[]): ExportFlags {
  const values: Record<string, string | boolean | string[] | undefined> = {};
  for (const [name] of SOURCE_FLAGS) values[name] = flags[name] as string | boolean | string[] | undefined;
  return {
    ...(flags.principal === undefined ? {} : { principal: flags.principal }),
    eventTypes,
    values,
  };
}

/** What the selected source needs that the flags lack (usage problems, listed with the others). */
export function missingSourceFlags(source: AnySourceDescriptor, flags: SourceFlags): string[] {
  return (source.cli.requires.flags ?? [])
    .filter((name) => {
      const v = flags[name];
      return v === undefined || (Array.isArray(v) && v.length === 0);
    })
    .map((name) => `--source ${source.type} needs --${name}`);
}

/**
 * The `sources` entry `export --source` selects, built from the flags and the environment (see
 * SourceEnv) and validated; undefined for a source configured by the config's `source` section
 * (the Compliance Logs Platform). Problems are usage errors.
 */
export function sourceEntryFromFlags(
  flags: SourceFlags,
  eventTypes: readonly string[],
  env: NodeJS.ProcessEnv,
): SourceEntry | undefined {
  const source = selectedSource(flags);
  const entry = source.cli.entry?.(exportFlags(flags, eventTypes));
  if (entry === undefined) return undefined;
  return parse(source.configSchema, withEnvironment(source.env, entry, env)) as SourceEntry;
}

function parse<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const r = schema.safeParse(raw);
  if (!r.success)
    throw new CfError('CF_ERR_USAGE', `The source options are invalid:\n${formatIssues(r.error.issues)}`);
  return r.data;
}
