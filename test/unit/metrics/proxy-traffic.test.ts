import client from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createProxyTraffic, PROXY_DURATION_BUCKETS } from '../../../gateway/metrics/proxy-traffic.js';

function setUp() {
  const registry = new client.Registry();
  const traffic = createProxyTraffic();
  traffic.register(registry);
  return { registry, traffic };
}

/** The exposition's lines for one metric family, without HELP and TYPE. */
async function samples(registry: client.Registry, family: string): Promise<string[]> {
  return (await registry.metrics()).split('\n').filter((line) => line.startsWith(family) && !line.startsWith('#'));
}

describe('proxy traffic metrics', () => {
  it('counts requests by app and status class, leaving out classes never seen', async () => {
    const { registry, traffic } = setUp();
    traffic.record('wiki', 200, 0.002);
    traffic.record('wiki', 204, 0.002);
    traffic.record('wiki', 502, 0.002);
    traffic.record('crm', 302, 0.002);
    expect(await samples(registry, 'recourse_proxy_requests_total')).toEqual([
      'recourse_proxy_requests_total{app="wiki",status="2xx"} 2',
      'recourse_proxy_requests_total{app="wiki",status="5xx"} 1',
      'recourse_proxy_requests_total{app="crm",status="3xx"} 1',
    ]);
  });

  it('puts a duration in the first bucket whose bound it does not exceed, cumulatively, as Prometheus expects', async () => {
    const { registry, traffic } = setUp();
    traffic.record('wiki', 200, 0.001); // on a bound: counted in it
    traffic.record('wiki', 200, 0.003);
    traffic.record('wiki', 200, 30); // above every bound: only +Inf
    const lines = await samples(registry, 'recourse_proxy_duration_seconds');
    const bucket = (le: string) => lines.find((line) => line.startsWith(`recourse_proxy_duration_seconds_bucket{le="${le}",app="wiki"}`))?.split(' ')[1];
    expect(bucket('0.001')).toBe('1');
    expect(bucket('0.0025')).toBe('1');
    expect(bucket('0.005')).toBe('2');
    expect(bucket('10')).toBe('2');
    expect(bucket('+Inf')).toBe('3');
    expect(lines.filter((line) => line.includes('_bucket'))).toHaveLength(PROXY_DURATION_BUCKETS.length + 1);
    expect(lines).toContain('recourse_proxy_duration_seconds_count{app="wiki"} 3');
    expect(Number(lines.find((line) => line.startsWith('recourse_proxy_duration_seconds_sum'))!.split(' ')[1])).toBeCloseTo(30.004, 9);
  });

  it('reads the same as prom-client’s own Counter and Histogram fed the same requests', async () => {
    const { registry, traffic } = setUp();
    const reference = new client.Registry();
    const counter = new client.Counter({ name: 'recourse_proxy_requests_total', help: 'x', labelNames: ['app', 'status'], registers: [reference] });
    const histogram = new client.Histogram({ name: 'recourse_proxy_duration_seconds', help: 'x', labelNames: ['app'], buckets: [...PROXY_DURATION_BUCKETS], registers: [reference] });
    const requests: Array<[string, number, number]> = [['a', 200, 0.0004], ['a', 404, 0.07], ['b', 200, 1], ['a', 200, 12], ['b', 503, 0.0025]];
    for (const [app, status, seconds] of requests) {
      traffic.record(app, status, seconds);
      counter.inc({ app, status: `${Math.floor(status / 100)}xx` });
      histogram.observe({ app }, seconds);
    }
    const sorted = async (r: client.Registry) => (await r.metrics()).split('\n').filter((line) => line && !line.startsWith('#')).sort();
    expect(await sorted(registry)).toEqual(await sorted(reference));
  });

  it('is emptied by the registry’s resetMetrics and lists itself in the JSON form', async () => {
    const { registry, traffic } = setUp();
    traffic.record('wiki', 200, 0.01);
    const json = await registry.getMetricsAsJSON();
    expect(json.map((metric) => [metric.name, metric.type])).toEqual([
      ['recourse_proxy_requests_total', 'counter'],
      ['recourse_proxy_duration_seconds', 'histogram'],
    ]);
    registry.resetMetrics();
    expect(await samples(registry, 'recourse_proxy_requests_total')).toEqual([]);
    expect(await samples(registry, 'recourse_proxy_duration_seconds')).toEqual([]);
  });
});
