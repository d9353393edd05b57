import { describe, expect, it } from 'vitest';
import { createMetricsAccess } from '../../../gateway/http/metrics-access.js';

const request = (clientIp: string, options: { peerTrusted?: boolean; headers?: Record<string, string> } = {}) => ({
  clientIp, peerTrusted: options.peerTrusted ?? false, header: (name: string) => options.headers?.[name],
});

describe('createMetricsAccess: who may read P/metrics on the shared listener', () => {
  it('by default loopback only (IPv4, IPv6, IPv4-mapped)', () => {
    const may = createMetricsAccess([]);
    for (const ip of ['127.0.0.1', '127.3.2.1', '::1', '::ffff:127.0.0.1']) expect(may(request(ip))).toBe(true);
    for (const ip of ['203.0.113.5', '10.0.0.1', '::ffff:203.0.113.5', '2001:db8::1', '0.0.0.0', 'not an ip']) expect(may(request(ip))).toBe(false);
  });

  it('metrics_allow adds addresses and CIDRs', () => {
    const may = createMetricsAccess(['203.0.113.0/24', '2001:db8::7']);
    expect(may(request('203.0.113.99'))).toBe(true);
    expect(may(request('2001:db8::7'))).toBe(true);
    expect(may(request('203.0.114.1'))).toBe(false);
  });

  it('a request relayed by a proxy outside trust_proxy is refused, whatever its peer', () => {
    const may = createMetricsAccess(['10.0.0.0/8']);
    for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip']) {
      expect(may(request('127.0.0.1', { headers: { [header]: '203.0.113.5' } }))).toBe(false);
      expect(may(request('10.1.1.1', { headers: { [header]: '203.0.113.5' } }))).toBe(false);
    }
    // From a trusted proxy the resolved client decides (client-ip.ts read X-Forwarded-For).
    expect(may(request('127.0.0.1', { peerTrusted: true, headers: { 'x-forwarded-for': '127.0.0.1' } }))).toBe(true);
    expect(may(request('203.0.113.5', { peerTrusted: true, headers: { 'x-forwarded-for': '203.0.113.5' } }))).toBe(false);
  });
});
