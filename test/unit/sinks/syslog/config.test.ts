import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { syslogSinkConfigSchema } from '../../../../src/sinks/syslog/index.js';
import { messageMaxBytesOf, targetOf } from '../../../../src/sinks/syslog/settings.js';
import { parseSyslogUrl } from '../../../../src/sinks/syslog/url.js';

const parse = (extra: Record<string, unknown>) =>
  syslogSinkConfigSchema.safeParse({ type: 'syslog', ...extra });

describe('syslog sink config', () => {
  it('fills in documented defaults from a URL alone', () => {
    const config = syslogSinkConfigSchema.parse({ type: 'syslog', url: 'tcp+tls://siem.example:6514' });
    assert.equal(config.format, 'rfc5424');
    assert.equal(config.framing, 'octet-counting');
    assert.equal(config.facility, 'user');
    assert.equal(config.severity, 'info');
    assert.equal(config.appName, 'compliance-forwarder');
    assert.equal(config.sdId, 'cf@32473');
    assert.equal(config.oversizePolicy, 'dead-letter');
    assert.equal(config.bom, false);
    assert.deepEqual(config.severityMap, {
      field: 'action_result',
      values: { SUCCESS: 'info', BLOCKED: 'warning', ERROR: 'err' },
    });
    assert.equal(messageMaxBytesOf(config, targetOf(config)), 65536);
  });

  it('defaults the size limit to 2048 bytes for UDP and for RFC 3164', () => {
    const udp = syslogSinkConfigSchema.parse({ type: 'syslog', url: 'udp://127.0.0.1:514' });
    const bsd = syslogSinkConfigSchema.parse({ type: 'syslog', url: 'tcp://127.0.0.1', format: 'rfc3164' });
    assert.equal(messageMaxBytesOf(udp, targetOf(udp)), 2048);
    assert.equal(messageMaxBytesOf(bsd, targetOf(bsd)), 2048);
  });

  it('reports every problem at once, each at its path', () => {
    const result = parse({
      url: 'udp://127.0.0.1:514',
      messageMaxBytes: 70_000,
      tls: { caFile: '/ca.pem' },
      facility: 'local9',
      sdId: 'no-enterprise-number',
      bogus: true,
    });
    assert.ok(!result.success);
    const paths = result.error.issues.map((i) => i.path.join('.') || i.code);
    for (const expected of ['unrecognized_keys', 'messageMaxBytes', 'tls', 'facility', 'sdId']) {
      assert.ok(paths.includes(expected), `missing ${expected} in ${paths.join(', ')}`);
    }
    const udpIssue = result.error.issues.find((i) => i.path[0] === 'messageMaxBytes');
    assert.match(udpIssue?.message ?? '', /65507/);
  });

  it('needs both a client certificate and a key for mutual TLS', () => {
    const result = parse({ url: 'tls://h:6514', tls: { certFile: '/c.pem' } });
    assert.ok(!result.success);
    assert.match(result.error.issues[0]?.message ?? '', /certFile and key/);
  });

  it('accepts a severity map off switch and numeric facility and severity', () => {
    const result = parse({ url: 'tcp://h', severityMap: false, facility: 16, severity: 3 });
    assert.equal(result.success, true);
  });

  it('rejects header fields a receiver cannot parse', () => {
    const result = parse({ url: 'tcp://h', appName: 'has space', hostname: 'x'.repeat(256) });
    assert.ok(!result.success);
    assert.deepEqual(result.error.issues.map((i) => i.path[0]).sort(), ['appName', 'hostname']);
  });
});

describe('syslog URL', () => {
  const cases: Array<[string, ReturnType<typeof parseSyslogUrl>]> = [
    ['udp://10.0.0.1:1514', { transport: 'udp', host: '10.0.0.1', port: 1514 }],
    ['tcp://collector.example', { transport: 'tcp', host: 'collector.example', port: 514 }],
    ['tcp+tls://collector.example', { transport: 'tls', host: 'collector.example', port: 6514 }],
    ['tls://[::1]:7514', { transport: 'tls', host: '::1', port: 7514 }],
  ];
  for (const [url, expected] of cases) {
    it(`parses ${url}`, () => assert.deepEqual(parseSyslogUrl(url), expected));
  }

  it('names the problem for unusable URLs', () => {
    assert.match(String(parseSyslogUrl('http://h:514')), /Unsupported scheme "http:"/);
    assert.match(String(parseSyslogUrl('tcp://h:514/path')), /no path/);
    assert.match(String(parseSyslogUrl('tcp://user:pw@h:514')), /no user name/);
    assert.match(String(parseSyslogUrl('h:514')), /Unsupported scheme|not a URL/);
    assert.match(String(parseSyslogUrl('collector')), /not a URL/);
  });

  it('puts the URL problem on the url field of the config', () => {
    const result = parse({ url: 'ftp://h' });
    assert.ok(!result.success);
    assert.deepEqual(result.error.issues[0]?.path, ['url']);
  });
});
