/**
 * What the CLI loads at start-up. kafkajs (with its codecs) and yaml took some 70 ms of every
 * command, `fetch` on a laptop included, though most runs use neither a Kafka sink nor a YAML
 * file: they load when a Kafka sink starts and when a config file is not plain JSON. Both are
 * CommonJS, so a fresh process's `require.cache` shows whether they were loaded.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parseDocument } from 'yaml';
import { readConfigFile } from '../../../src/config/load.ts';
import { MemoryDeadLetter } from '../../../src/engine/dead-letter-file.ts';
import { Simulator } from '../../../src/simulator/index.ts';
import { createSink, sinkConfigSchema } from '../../../src/sinks/index.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { Metrics } from '../../../src/telemetry/metrics.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cf-startup-'));
});
after(() => rm(dir, { recursive: true, force: true }));

/**
 * Runs in a fresh process, in order: `validate` of a JSON config, a real `fetch` (against the
 * simulator), a YAML config read, a Kafka sink created, then started. After each step it notes
 * which of kafkajs and yaml are loaded.
 */
const PROBE = `
import { createRequire } from 'node:module';
import { PassThrough } from 'node:stream';
import { writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
const require = createRequire(import.meta.url);
const [root, dir, out, workspace, since, brokers] = process.argv.slice(2);
const src = (p) => import(pathToFileURL(root + 'src/' + p).href);
const loaded = () =>
  ['kafkajs', '@confluentinc/kafka-javascript', 'yaml'].filter((name) => Object.keys(require.cache).some((k) => k.includes('/node_modules/' + name + '/')));
function io(env) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const text = { stdout: '', stderr: '' };
  stdout.setEncoding('utf8').on('data', (d) => { text.stdout += d; });
  stderr.setEncoding('utf8').on('data', (d) => { text.stderr += d; });
  return { io: { stdout, stderr, stdin: new PassThrough(), env, isTty: false, signal: new AbortController().signal }, text };
}
const seen = {};
const { main } = await src('cli/main.ts');

const validate = io({ K: 'sk-x' });
const validateCode = await main(['validate', '--config', dir + '/config.json'], validate.io);
seen.validate = { code: validateCode, ...validate.text, loaded: loaded() };

const fetch = io({ COMPLIANCE_API_KEY: process.env.CF_KEY, COMPLIANCE_API_BASE: process.env.CF_BASE, LOG_LEVEL: 'warn' });
const fetchCode = await main(['fetch', workspace, 'AUTH_LOG', '7', since], fetch.io);
seen.fetch = { code: fetchCode, lines: fetch.text.stdout.split('\\n').length - 1, stderr: fetch.text.stderr, loaded: loaded() };

const { readConfigFile } = await src('config/load.ts');
seen.yamlValue = await readConfigFile(dir + '/config.yaml');
seen.yaml = { loaded: loaded() };

const { createSink, sinkConfigSchema } = await src('sinks/index.ts');
const { silentLogger } = await src('telemetry/logger.ts');
const { Metrics } = await src('telemetry/metrics.ts');
const { MemoryDeadLetter } = await src('engine/dead-letter-file.ts');
const config = sinkConfigSchema.parse({ type: 'kafka', brokers: [brokers], connectionTimeoutMs: 500 });
const ctx = { logger: silentLogger(), metrics: new Metrics(), deadLetter: new MemoryDeadLetter(), signal: new AbortController().signal };
const sink = createSink(config, ctx);
seen.kafkaCreated = { loaded: loaded() };
seen.kafkaStarted = await sink.start().then(() => ({ error: null }), (err) => ({ error: err.message }));
seen.kafkaStarted.loaded = loaded();
sink.destroy();
await writeFile(out, JSON.stringify(seen));
// kafkajs may still be retrying its connection in the background; the report is written.
process.exit(0);
`;

/** A loopback port nothing listens on: connecting is refused at once. */
async function refusedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

test('fetch and validate of a JSON config load neither kafkajs nor yaml; a Kafka sink and a YAML file load them', async () => {
  const sim = new Simulator({ port: 0, seed: 'startup-imports' });
  const info = await sim.start();
  try {
    // The last hour or so: a few AUTH_LOG files.
    const since = new Date(Math.floor((sim.now().getTime() - 3_600_000) / 600_000) * 600_000).toISOString();
    // A Kafka sink in the config: validating it needs the schema only, not the client.
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify({
        source: { apiKey: { env: 'K' } },
        principals: [{ id: 'org-abc123', eventTypes: ['APP_LOG'] }],
        sinks: [{ type: 'stdout' }, { type: 'kafka', brokers: ['kafka-1:9092'], compression: 'lz4' }],
      }),
    );
    await writeFile(join(dir, 'config.yaml'), 'principals:\n  - id: org-abc123 # a comment: not JSON\n');
    const out = join(dir, 'seen.json');
    const brokers = `127.0.0.1:${await refusedPort()}`;
    await writeFile(join(dir, 'probe.mjs'), PROBE);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(dir, 'probe.mjs'), ROOT, dir, out, info.sampleWorkspaceId, since, brokers],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', CF_KEY: info.apiKey, CF_BASE: info.baseUrl },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const [code] = await once(child, 'exit');
    assert.equal(code, 0, stderr);
    const seen = JSON.parse(await readFile(out, 'utf8'));

    assert.equal(seen.validate.code, 0, seen.validate.stderr);
    assert.match(seen.validate.stdout, /is valid: 1 principals, 2 sinks \(stdout, kafka\)/);
    assert.deepEqual(seen.validate.loaded, []);

    assert.equal(seen.fetch.code, 0, seen.fetch.stderr);
    assert.ok(seen.fetch.lines > 0, 'fetch printed the files');
    assert.deepEqual(seen.fetch.loaded, []);

    assert.deepEqual(seen.yamlValue, { principals: [{ id: 'org-abc123' }] });
    assert.deepEqual(seen.yaml.loaded, ['yaml']);

    // Creating the sink connects nothing, so it needs no client yet; starting it does.
    assert.deepEqual(seen.kafkaCreated.loaded, ['yaml']);
    assert.match(
      seen.kafkaStarted.error,
      new RegExp(`^Kafka sink "kafka" cannot start \\(brokers ${brokers}\\): `),
    );
    // The client the sink picked: librdkafka's bindings when their addon loads, else kafkajs.
    assert.equal(seen.kafkaStarted.loaded.length, 2, String(seen.kafkaStarted.loaded));
    assert.ok(seen.kafkaStarted.loaded.includes('yaml'));
  } finally {
    await sim.stop();
  }
});

test('a Kafka sink closed while kafkajs loads opens no connection', async () => {
  let connections = 0;
  const broker = createServer((socket) => {
    connections++;
    socket.destroy();
  }).listen(0, '127.0.0.1');
  await once(broker, 'listening');
  try {
    const { port } = broker.address() as { port: number };
    const config = sinkConfigSchema.parse({ type: 'kafka', brokers: [`127.0.0.1:${port}`] });
    const ctx = {
      logger: silentLogger(),
      metrics: new Metrics(),
      deadLetter: new MemoryDeadLetter(),
      signal: new AbortController().signal,
    };
    const sink = createSink(config, ctx);
    // A stop during start-up: the pipeline destroys a sink whose start() has not settled.
    const started = sink.start();
    sink.destroy();
    await assert.rejects(started, /was closed/);
    await once(sink, 'close');
    // A connection kafkajs opened would reach the listener within milliseconds; allow plenty.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(connections, 0);
  } finally {
    broker.close();
  }
});

/** What yaml makes of a config file: what readConfigFile returned before it took JSON itself. */
function viaYaml(path: string, text: string): { value: unknown } | { error: string } {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, customTags: [] });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) {
    const list = problems.map((e) => `  - ${e.message.split('\n')[0]}`).join('\n');
    return { error: `The config file ${path} is not valid YAML or JSON:\n${list}` };
  }
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  if (value === null || value === undefined) return { value: {} };
  if (typeof value !== 'object' || Array.isArray(value)) {
    return { error: `The config file ${path} must hold a mapping at the top level.` };
  }
  return { value };
}

/** JSON text of `value` with the given whitespace between its tokens, round and round. */
function spaced(value: unknown, gaps: readonly string[]): string {
  let n = 0;
  const gap = () => gaps[n++ % gaps.length] ?? '';
  const write = (v: unknown): string => {
    if (Array.isArray(v)) return `[${gap()}${v.map((x) => `${write(x)}${gap()}`).join(`,${gap()}`)}]`;
    if (typeof v === 'object' && v !== null) {
      const members = Object.entries(v).map(
        ([k, x]) => `${JSON.stringify(k)}${gap()}:${gap()}${write(x)}${gap()}`,
      );
      return `{${gap()}${members.join(`,${gap()}`)}}`;
    }
    return JSON.stringify(v);
  };
  return `${gap()}${write(value)}${gap()}`;
}

test('a JSON config file reads exactly as yaml reads it', async () => {
  const path = join(dir, 'generated.json');
  const check = async (text: string) => {
    await writeFile(path, text);
    const got = await readConfigFile(path).then(
      (value) => ({ value }),
      (err: Error) => ({ error: err.message }),
    );
    assert.deepStrictEqual(got, viaYaml(path, text), JSON.stringify(text));
  };
  // What JSON.parse and yaml may disagree on: numbers, repeated keys, tabs, lone CRs, depth.
  for (const text of [
    '{"a": -0, "b": 1e400, "c": 12345678901234567890, "d": 1.50, "e": 1E-2, "f": 0.000}',
    '{"a": 1, "b": {"c": 2, "c": 3}}',
    '{"__proto__": {"x": 1}, "a": "\\ud83d\\ude00 \\/ \\u0000"}',
    '{\n\t"a": 1\n}',
    '\t{"a": 1}',
    '{"a":\r1}',
    '{"a":\r\n1}\r\n',
    `${'{"a":'.repeat(70)}1${'}'.repeat(70)}`,
    '{"a": 1} # a comment',
    '[1, 2]',
    'null',
    '',
  ]) {
    await check(text);
  }
  // Half the documents spaced as JSON files usually are, the others with tabs and lone CRs too.
  const gaps = fc.oneof(
    fc.array(fc.constantFrom('', ' ', '\n', '\r\n', '\n    '), { minLength: 1, maxLength: 20 }),
    fc.array(fc.stringMatching(/^[ \t\r\n]{0,3}$/), { minLength: 1, maxLength: 20 }),
  );
  const doc = fc.dictionary(fc.string({ unit: 'binary' }), fc.jsonValue({ maxDepth: 4 }), { minKeys: 1 });
  await fc.assert(
    fc.asyncProperty(doc, gaps, fc.boolean(), async (value, spaces, repeatKey) => {
      let text = spaced(value, spaces);
      // The first key once more, at the end of the top-level object.
      if (repeatKey) text = text.replace(/\}(\s*)$/, `,${JSON.stringify(Object.keys(value)[0])}:1}$1`);
      await check(text);
    }),
    { numRuns: 400 },
  );
});
