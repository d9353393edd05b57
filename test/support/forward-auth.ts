/**
 * A reverse proxy from docs/forward-auth.md (nginx, Caddy) in front of an echo app, asking a test
 * gateway that trusts it; users reach the gateway's own pages through the proxy, as the guide
 * sets it up.
 */
import { startTestGateway, type TestGateway } from './gateway.js';
import { freePort } from './ports.js';
import { openTestStorage } from './storage.js';
import { startEchoUpstream } from './upstream.js';

export interface ForwardAuthStack<P> {
  gw: TestGateway;
  upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
  proxy: P;
  close(): Promise<void>;
}

export async function startForwardAuthStack<P extends { stop(): Promise<void> }>(options: {
  access: Record<string, unknown>;
  startProxy: (input: { port: number; gateway: string; upstream: string }) => Promise<P>;
}): Promise<ForwardAuthStack<P>> {
  const storage = await openTestStorage();
  const upstream = await startEchoUpstream();
  const port = await freePort();
  const gw = await startTestGateway({
    storage,
    upstream: upstream.url,
    policy: { access: options.access },
    config: { server: { public_url: `http://127.0.0.1:${port}`, trust_proxy: ['127.0.0.1/32'] } },
  });
  const proxy = await options.startProxy({ port, gateway: gw.url, upstream: upstream.url });
  return {
    gw, upstream, proxy,
    async close() {
      await proxy.stop();
      await gw.close();
      await upstream.close();
      await storage.close();
    },
  };
}
