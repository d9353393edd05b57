import { describe, expect, it } from 'vitest';
import { routeRequest } from '../../gateway/request-listener.js';

const P = '/.recourse';
const request = (url: string, hosts: string[] = ['app.test']) => ({
  url, headers: { host: hosts[0] }, rawHeaders: hosts.flatMap((host) => ['Host', host]),
});

describe('routeRequest: one reading of target and Host at the edge', () => {
  it('sends the prefix to the gateway and everything else to the proxy', () => {
    expect(routeRequest(request(`${P}/login?rd=/`), P)).toEqual({ kind: 'gateway', target: `${P}/login?rd=/` });
    expect(routeRequest(request(P), P)).toEqual({ kind: 'gateway', target: P });
    expect(routeRequest(request('/app/page'), P)).toMatchObject({ kind: 'proxy', target: '/app/page', host: { authority: 'app.test' } });
    expect(routeRequest(request(`${P}x/page`), P)).toMatchObject({ kind: 'proxy', target: `${P}x/page` });
    expect(routeRequest(request('/a', ['APP.test.']), P)).toMatchObject({ kind: 'proxy', host: { authority: 'app.test' } });
  });

  it('sends every spelling that resolves into the prefix to the gateway, never upstream', () => {
    for (const target of [`/x/..${P}/logout`, `/%2Erecourse/logout`, `/x/%2e%2e${P}/admin`, `/x;a/..${P}/logout`]) {
      expect(routeRequest(request(target), P).kind).toBe('gateway');
    }
  });

  it('refuses a repeated Host and absolute-form for another host; serves absolute-form for the Host as origin-form', () => {
    expect(routeRequest(request('/a', ['app.test', 'other.test']), P).kind).toBe('refuse');
    expect(routeRequest(request('http://other.test/a'), P).kind).toBe('refuse');
    expect(routeRequest(request('/a', ['a.test, b.test']), P).kind).toBe('refuse');
    expect(routeRequest(request(`http://app.test${P}/login`), P)).toEqual({ kind: 'gateway', target: `${P}/login` });
  });
});
