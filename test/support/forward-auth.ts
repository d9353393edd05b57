/**
 * A reverse proxy from docs/forward-auth.md (nginx, Caddy) in front of an echo app, asking a test
 * gateway that trusts it; users reach the gateway's own pages through the proxy, as the guide
 * sets it up.
 */
import { startProxiedTestGateway, type ProxiedTestGateway } from './gateway.js';
import { freePort } from './ports.js';

export interface ForwardAuthStack<P> extends ProxiedTestGateway {
  proxy: P;
}

export async function startForwardAuthStack<P extends { stop(): Promise<void> }>(options: {
  access: Record<string, unknown>;
  /** The apps' hosts (default `["*"]`); the proxy serves the app on 127.0.0.1. */
  appHosts?: readonly string[];
  startProxy: (input: { port: number; gateway: string; upstream: string }) => Promise<P>;
}): Promise<ForwardAuthStack<P>> {
  const port = await freePort();
  const proxied = await startProxiedTestGateway({
    policy: { access: options.access },
    ...(options.appHosts ? { appHosts: options.appHosts } : {}),
    config: { server: { public_url: `http://127.0.0.1:${port}`, trust_proxy: ['127.0.0.1/32'] } },
  });
  try {
    const proxy = await options.startProxy({ port, gateway: proxied.gw.url, upstream: proxied.upstream.url });
    return {
      ...proxied, proxy,
      async close() {
        await proxy.stop();
        await proxied.close();
      },
    };
  } catch (error) {
    await proxied.close();
    throw error;
  }
}
