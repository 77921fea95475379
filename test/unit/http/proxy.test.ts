import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { classify } from '../../../src/core/errors/index.js';
import { Secret } from '../../../src/core/secret.js';
import { HttpEgress, NoProxy, proxyEndpoint } from '../../../src/http/index.js';

const bypass = (entries: string[], url: string) => new NoProxy(entries).bypasses(new URL(url));

describe('NO_PROXY rules', () => {
  it('a plain host matches itself and its subdomains, not look-alikes', () => {
    assert.equal(bypass(['example.com'], 'https://example.com/x'), true);
    assert.equal(bypass(['example.com'], 'https://api.example.com/x'), true);
    assert.equal(bypass(['example.com'], 'https://badexample.com/x'), false);
    assert.equal(bypass(['example.com'], 'https://example.com.evil.net/x'), false);
  });
  it('.suffix and *.suffix match the domain and its subdomains', () => {
    for (const e of ['.example.com', '*.example.com']) {
      assert.equal(bypass([e], 'https://a.b.example.com'), true, e);
      assert.equal(bypass([e], 'https://example.com'), true, e);
      assert.equal(bypass([e], 'https://notexample.com'), false, e);
    }
  });
  it('host:port matches only that port (default ports count)', () => {
    assert.equal(bypass(['example.com:8443'], 'https://example.com:8443'), true);
    assert.equal(bypass(['example.com:8443'], 'https://example.com'), false);
    assert.equal(bypass(['example.com:443'], 'https://example.com'), true);
    assert.equal(bypass(['example.com:80'], 'http://example.com'), true);
  });
  it('* bypasses everything', () => {
    assert.equal(bypass(['*'], 'https://anything.test'), true);
    assert.equal(bypass(['foo', '*'], 'http://10.0.0.1'), true);
  });
  it('IP literals match exactly; CIDR ranges match IP targets', () => {
    assert.equal(bypass(['127.0.0.1'], 'http://127.0.0.1:9000'), true);
    assert.equal(bypass(['127.0.0.1'], 'http://127.0.0.2:9000'), false);
    assert.equal(bypass(['0.0.1'], 'http://127.0.0.1'), false);
    assert.equal(bypass(['10.0.0.0/8'], 'http://10.20.30.40'), true);
    assert.equal(bypass(['10.0.0.0/8'], 'http://11.0.0.1'), false);
    assert.equal(bypass(['::1'], 'http://[::1]:8080'), true);
    assert.equal(bypass(['[::1]:8080'], 'http://[::1]:8080'), true);
    assert.equal(bypass(['[::1]:8080'], 'http://[::1]:8081'), false);
    assert.equal(bypass(['fd00::/8'], 'https://[fd12::1]'), true);
  });
  it('is case-insensitive, trims, and splits on commas and spaces', () => {
    assert.equal(bypass([' Example.COM , other.test'], 'https://API.example.com'), true);
    assert.equal(bypass(['a.test other.test'], 'https://other.test'), true);
    assert.equal(bypass([''], 'https://other.test'), false);
  });
  it('a trailing dot on either side is ignored', () => {
    assert.equal(bypass(['example.com.'], 'https://example.com'), true);
    assert.equal(bypass(['example.com'], 'https://example.com./'), true);
  });
});

describe('HttpEgress', () => {
  it('reads lower case before upper case, per scheme', () => {
    const e = HttpEgress.create(
      {},
      { https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:2', HTTP_PROXY: 'http://plain:3' },
    );
    assert.equal(e.proxyFor(new URL('https://api.test'))?.uri, 'http://lower:1');
    assert.equal(e.proxyFor(new URL('http://api.test'))?.uri, 'http://plain:3');
  });
  it('goes direct without a proxy, for NO_PROXY matches, and for non-http schemes', () => {
    assert.equal(HttpEgress.create({}, {}).proxyFor(new URL('https://api.test')), undefined);
    const e = HttpEgress.create({}, { HTTPS_PROXY: 'http://p:3128', NO_PROXY: 'internal.test' });
    assert.equal(e.proxyFor(new URL('https://svc.internal.test')), undefined);
    assert.equal(e.proxyFor(new URL('https://api.test'))?.uri, 'http://p:3128');
    assert.equal(e.proxyFor(new URL('ftp://api.test')), undefined);
  });
  it('the config overrides the environment, for both schemes; noProxy overrides NO_PROXY', () => {
    const env = { HTTPS_PROXY: 'http://env:1', NO_PROXY: 'api.test' };
    const e = HttpEgress.create({ url: 'http://cfg:2', noProxy: ['other.test'] }, env);
    assert.equal(e.proxyFor(new URL('https://api.test'))?.uri, 'http://cfg:2');
    assert.equal(e.proxyFor(new URL('http://api.test'))?.uri, 'http://cfg:2');
    assert.equal(e.proxyFor(new URL('https://other.test')), undefined);
  });
  it('env: false ignores the environment', () => {
    const e = HttpEgress.create({ env: false }, { HTTPS_PROXY: 'http://env:1' });
    assert.equal(e.proxyFor(new URL('https://api.test')), undefined);
  });
  it('keeps credentials out of the URI and the description', () => {
    const e = HttpEgress.create({}, { HTTPS_PROXY: 'http://bob:s3cr%40t@p.test:3128' });
    const p = e.proxyFor(new URL('https://api.test'));
    assert.equal(p?.uri, 'http://p.test:3128');
    assert.equal(p?.authorization?.reveal(), `Basic ${Buffer.from('bob:s3cr@t').toString('base64')}`);
    assert.doesNotMatch(JSON.stringify(e.describe()), /s3cr|bob/);
    assert.doesNotMatch(JSON.stringify(p), /s3cr|Basic/);
  });
  it('config username and password win over the URL', () => {
    const p = proxyEndpoint('http://x:y@p.test:3128', 'http.proxy.url', {
      username: 'alice',
      password: new Secret('pw'),
    });
    assert.equal(p.authorization?.reveal(), `Basic ${Buffer.from('alice:pw').toString('base64')}`);
  });
  it('a bare host:port is http; other schemes and bad URLs are config errors that do not echo the URL', () => {
    assert.equal(proxyEndpoint('p.test:3128', 'HTTPS_PROXY').uri, 'http://p.test:3128');
    assert.throws(
      () => proxyEndpoint('socks5://u:secret@p:1', 'HTTPS_PROXY'),
      (err: Error) => {
        assert.doesNotMatch(err.message, /secret/);
        return /HTTPS_PROXY/.test(err.message);
      },
    );
  });
});

describe('proxy tunnel failures', () => {
  const tunnel = (status: number) => {
    const err = new Error(`Proxy response (${status}) !== 200 when HTTP Tunneling`);
    err.name = 'AbortError';
    return err;
  };
  it('407 is CF_ERR_PROXY_AUTH, not retriable', () => {
    const c = classify(tunnel(407));
    assert.equal(c.code, 'CF_ERR_PROXY_AUTH');
    assert.equal(c.retriable, false);
  });
  it('403 is CF_ERR_PROXY_CONNECT, not retriable', () => {
    const c = classify(tunnel(403));
    assert.equal(c.code, 'CF_ERR_PROXY_CONNECT');
    assert.equal(c.retriable, false);
  });
  it('502, 503 and 504 are retried like the upstream’s', () => {
    for (const s of [502, 503, 504]) {
      const c = classify(tunnel(s));
      assert.equal(c.code, 'CF_ERR_HTTP_SERVER');
      assert.equal(c.retriable, true);
    }
  });
  it('a certificate failure is CF_ERR_TLS_VERIFY, found in a cause too', () => {
    const inner = Object.assign(new Error('Hostname/IP does not match'), {
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
    const outer = Object.assign(new Error('wrapped'), { code: 'UND_ERR_PRX_TLS', cause: inner });
    assert.equal(classify(outer).code, 'CF_ERR_TLS_VERIFY');
  });
});
