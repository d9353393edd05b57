import { describe, expect, it } from 'vitest';
import { downstreamResponseHeaders, stripCookies, upstreamRequestHeaders, type UpstreamHeaderOptions } from '../../../gateway/proxy/headers.js';

const base: UpstreamHeaderOptions = {
  dropCookies: ['recourse_session', 'recourse_session_csrf'],
  clientIp: '203.0.113.7',
  proto: 'https',
  host: 'app.example',
  requestId: 'req-1',
};

describe('upstream request headers', () => {
  it('drops hop-by-hop headers and those the Connection header lists, in any case', () => {
    const out = upstreamRequestHeaders([
      'Host', 'app.example',
      'Connection', 'keep-alive, X-Foo',
      'connection', 'x-bar',
      'Keep-Alive', 'timeout=5',
      'TE', 'trailers',
      'Trailer', 'Expires',
      'Transfer-Encoding', 'chunked',
      'Upgrade', 'websocket',
      'Proxy-Authorization', 'Basic Zm9vOmJhcg==',
      'Proxy-Connection', 'keep-alive',
      'X-Foo', 'secret-for-the-hop',
      'X-BAR', 'also',
      'Accept', 'text/html',
      'X-Custom', 'kept',
    ], base);
    for (const name of ['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authorization', 'proxy-connection', 'x-foo', 'x-bar']) {
      expect(out[name], name).toBeUndefined();
    }
    expect(out.host).toBe('app.example');
    expect(out.accept).toBe('text/html');
    expect(out['x-custom']).toBe('kept');
  });

  it('strips client-sent identity and forwarding headers, then sets its own', () => {
    const out = upstreamRequestHeaders([
      'Remote-User', 'admin', 'REMOTE-EMAIL', 'boss@example.com', 'remote-groups', 'super_admin', 'Remote-Anything', 'x',
      'X-Forwarded-User', 'admin', 'X-Forwarded-For', '1.2.3.4', 'X-Forwarded-Proto', 'http', 'X-Forwarded-Host', 'evil.example',
      'Forwarded', 'for=1.2.3.4', 'X-Real-IP', '1.2.3.4', 'X-Request-Id', 'client-chosen',
    ], { ...base, identity: { 'remote-user': 'u-1', 'remote-email': 'alice@example.com' } });
    expect(out['remote-user']).toBe('u-1');
    expect(out['remote-email']).toBe('alice@example.com');
    expect(out['remote-groups']).toBeUndefined();
    expect(out['remote-anything']).toBeUndefined();
    expect(out['x-forwarded-user']).toBeUndefined();
    expect(out.forwarded).toBeUndefined();
    expect(out['x-real-ip']).toBeUndefined();
    expect(out['x-forwarded-for']).toBe('203.0.113.7');
    expect(out['x-forwarded-proto']).toBe('https');
    expect(out['x-forwarded-host']).toBe('app.example');
    expect(out['x-request-id']).toBe('req-1');
  });

  it('without identity (a bypass rule) the upstream gets no Remote-* header at all', () => {
    const out = upstreamRequestHeaders(['Remote-User', 'admin'], base);
    expect(Object.keys(out).filter((name) => name.startsWith('remote-'))).toEqual([]);
  });

  it('appends the client to a forwarded chain only when the peer was trusted', () => {
    expect(upstreamRequestHeaders(['X-Forwarded-For', '198.51.100.1'], { ...base, trustedForwardedFor: '198.51.100.1, 10.0.0.2' })['x-forwarded-for'])
      .toBe('198.51.100.1, 10.0.0.2, 203.0.113.7');
  });

  it('keeps repeated end-to-end headers and joins several Cookie headers into one', () => {
    const out = upstreamRequestHeaders(['Accept-Language', 'de', 'Accept-Language', 'en', 'Cookie', 'a=1', 'Cookie', 'recourse_session=x; b=2'], base);
    expect(out['accept-language']).toEqual(['de', 'en']);
    expect(out.cookie).toBe('a=1; b=2');
  });

  it('drops the Cookie header when only gateway cookies were sent', () => {
    const out = upstreamRequestHeaders(['Cookie', 'recourse_session=abc; recourse_session_csrf=def'], base);
    expect(out.cookie).toBeUndefined();
  });
});

describe('cookie stripping', () => {
  const drop = ['recourse_session', 'recourse_session_csrf'];
  it.each([
    ['a=1; recourse_session=x; b=2', 'a=1; b=2'],
    ['a=1;recourse_session=x; b=2', 'a=1; b=2'],
    ['recourse_session=x', ''],
    ['recourse_session=x;recourse_session_csrf=y', ''],
    [' recourse_session = x ; a=1', 'a=1'],
    ['recourse_session=x; recourse_session=y; a=1', 'a=1'],
    ['a=1; b=', 'a=1; b='],
    ['recourse_sessionx=1; xrecourse_session=2', 'recourse_sessionx=1; xrecourse_session=2'],
    ['a=recourse_session=x', 'a=recourse_session=x'],
    ['flag; recourse_session=x', 'flag'],
    ['a=1;;  ; b=2', 'a=1; b=2'],
    ['RECOURSE_SESSION=x', 'RECOURSE_SESSION=x'],
  ])('%j → %j', (header, expected) => {
    expect(stripCookies(header, drop)).toBe(expected);
  });
});

describe('downstream response headers', () => {
  it('drops hop-by-hop and Connection-listed headers, keeps Set-Cookie as a list', () => {
    const out = downstreamResponseHeaders({
      connection: 'close, x-hop',
      'keep-alive': 'timeout=5',
      'transfer-encoding': 'chunked',
      upgrade: 'h2c',
      trailer: 'x-checksum',
      'proxy-authenticate': 'Basic',
      'x-hop': 'secret',
      'set-cookie': ['a=1; Path=/', 'b=2; Path=/'],
      'content-type': 'text/plain',
      location: 'https://elsewhere.example/',
      'x-undefined': undefined,
    }, []);
    expect(out).toEqual({
      'set-cookie': ['a=1; Path=/', 'b=2; Path=/'],
      'content-type': 'text/plain',
      location: 'https://elsewhere.example/',
    });
  });

  it('reads a Connection header that arrives as a list', () => {
    const out = downstreamResponseHeaders({ connection: ['x-a', 'X-B'], 'x-a': '1', 'x-b': '2', 'x-c': '3' }, []);
    expect(out).toEqual({ 'x-c': '3' });
  });

  // Issue 32 finding 11: an app tossing the gateway's session or CSRF cookie into the browser.
  it("drops Set-Cookie lines for the gateway's own cookie names, and only those", () => {
    const drop = ['recourse_session', 'recourse_session_csrf'];
    const out = downstreamResponseHeaders({
      'set-cookie': ['recourse_session=planted; Path=/', ' recourse_session_csrf =x', 'recourse_sessionx=1', 'app=1; Path=/'],
    }, drop);
    expect(out['set-cookie']).toEqual(['recourse_sessionx=1', 'app=1; Path=/']);
    expect(downstreamResponseHeaders({ 'set-cookie': 'recourse_session=planted' }, drop)).toEqual({});
  });
});
