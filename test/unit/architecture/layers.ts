/**
 * The dependency rule of docs/architecture.md, as dependency-cruiser rules. Layers, bottom up:
 *
 *   core/                      contracts: record, stream source, delivery, dead letter, watermark
 *                              position, secrets, errors, event types, principals (imports nothing of ours)
 *   lib/                       pure helpers every layer may use (retry policy, time, JSON bytes)
 *   telemetry/ http/ state/    shared services: logger and metrics, the HTTP client, checkpoints
 *   sources/<kind>/ sinks/<kind>/ transforms/ simulator/     components
 *   config/                    the root schema, assembled from the components' schemas
 *   engine/                    run loop, watermark, file processing, router
 *   app/                       the runtime export and run share, registries, the service
 *   cli/                       commands
 *
 * A layer imports only layers below it; a source or sink imports no other source or sink (only its
 * kind's shared folder); nothing imports upward.
 */
import type { IForbiddenRuleType } from 'dependency-cruiser';

const ours = '^src/';
const anyOf = (...folders: string[]): string => `^src/(${folders.join('|')})(/|\\.ts$)`;

/** Each entry: files under `from` may import, among our own modules, only those matching `allowed`. */
const LAYERS: ReadonlyArray<{ from: string; allowed: string; why: string }> = [
  { from: '^src/core/', allowed: anyOf('core'), why: 'core holds the contracts and imports nothing of ours' },
  { from: '^src/lib/', allowed: anyOf('core', 'lib'), why: 'shared helpers sit just above the contracts' },
  {
    from: '^src/telemetry/',
    allowed: anyOf('core', 'lib', 'telemetry'),
    why: 'telemetry is a shared service below every component',
  },
  {
    from: '^src/http/',
    allowed: anyOf('core', 'lib', 'telemetry', 'http'),
    why: 'the HTTP client is a shared service below every component',
  },
  {
    from: '^src/state/',
    allowed: anyOf('core', 'lib', 'telemetry', 'state'),
    why: 'the checkpoint store is a shared service below the engine',
  },
  {
    from: '^src/transforms/',
    allowed: anyOf('core', 'lib', 'telemetry', 'transforms'),
    why: 'transforms are components: contracts, helpers and services only',
  },
  {
    from: '^src/simulator/',
    allowed: anyOf('core', 'lib', 'telemetry', 'http', 'simulator'),
    why: 'the simulator is a component of its own',
  },
  {
    from: '^src/config/',
    allowed: anyOf('core', 'lib', 'telemetry', 'http', 'sources', 'sinks', 'transforms', 'config'),
    why: 'the root schema is assembled from the components and sits below the engine',
  },
  {
    from: '^src/engine/',
    allowed: anyOf('core', 'lib', 'telemetry', 'state', 'transforms', 'engine'),
    why: 'the engine runs contracts; it finds sources and sinks only through the application',
  },
  {
    from: '^src/app/',
    allowed: anyOf(
      'core',
      'lib',
      'telemetry',
      'http',
      'state',
      'sources',
      'sinks',
      'transforms',
      'config',
      'engine',
      'app',
    ),
    why: 'the application sits below the commands only',
  },
];

function componentRules(kind: 'sources' | 'sinks'): IForbiddenRuleType[] {
  return [
    {
      name: `${kind}-one-way`,
      comment: `a ${kind === 'sources' ? 'source' : 'sink'} imports contracts, helpers and services, never the engine, the application or another kind of component`,
      severity: 'error',
      from: { path: `^src/${kind}/` },
      to: { path: ours, pathNot: anyOf('core', 'lib', 'telemetry', 'http', kind) },
    },
    {
      name: `${kind}-no-sideways`,
      comment: `one ${kind === 'sources' ? 'source' : 'sink'} never imports another's folder (only ${kind}/shared)`,
      severity: 'error',
      from: { path: `^src/${kind}/([^/]+)/` },
      to: { path: `^src/${kind}/[^/]+/`, pathNot: [`^src/${kind}/$1/`, `^src/${kind}/shared/`] },
    },
  ];
}

export const FORBIDDEN: IForbiddenRuleType[] = [
  ...LAYERS.map(
    ({ from, allowed, why }): IForbiddenRuleType => ({
      name: `layer:${from.replace(/^\^src\/|\/$/g, '')}`,
      comment: why,
      severity: 'error',
      from: { path: from },
      to: { path: ours, pathNot: allowed },
    }),
  ),
  ...componentRules('sources'),
  ...componentRules('sinks'),
  {
    name: 'nothing-imports-cli',
    comment: 'the commands are the top layer',
    severity: 'error',
    from: { path: ours, pathNot: '^src/cli/' },
    to: { path: '^src/cli/' },
  },
];
