import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closeWithinLimit } from '../../../gateway/http/drain.js';

const servers: http.Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.closeAllConnections();
});

async function listen(handler: http.RequestListener): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('closeWithinLimit', () => {
  it('lets a request in flight finish and closes its keep-alive connection, cutting nothing', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => { release = resolve; });
    let arrived!: () => void;
    const arrival = new Promise<void>((resolve) => { arrived = resolve; });
    const { server, url } = await listen((_req, res) => {
      arrived();
      void released.then(() => res.end('done'));
    });
    const inFlight = fetch(url);
    await arrival;
    const cuts: number[] = [];
    // A limit no slow machine reaches: the request is released by the test, not by the clock.
    const closed = closeWithinLimit(server, 60_000, (open) => cuts.push(open));
    release();
    const res = await inFlight;
    expect(await res.text()).toBe('done');
    await closed;
    expect(cuts).toEqual([]);
    expect(server.listening).toBe(false);
  });

  it('cuts a request still unfinished at the limit and reports how many connections were open', async () => {
    let arrived!: () => void;
    const arrival = new Promise<void>((resolve) => { arrived = resolve; });
    const { server, url } = await listen(() => arrived());
    const inFlight = fetch(url);
    await arrival;
    const cuts: number[] = [];
    await closeWithinLimit(server, 10, (open) => cuts.push(open));
    await expect(inFlight).rejects.toThrow();
    expect(cuts).toEqual([1]);
  });
});
