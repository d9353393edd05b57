import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanUp, startServe, writeInstall, type Install, type ServeChild } from './child.js';
import { startEchoUpstream } from '../support/upstream.js';

const SLOW = 120_000;
let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
let install: Install;
let serve: ServeChild;

beforeAll(async () => {
  upstream = await startEchoUpstream();
  // bypass: no sign-in needed, the request goes straight to the slow upstream.
  install = await writeInstall({ upstream: upstream.url, access: 'bypass', logLevel: 'info' });
  serve = await startServe(install);
}, SLOW);
afterAll(async () => {
  await cleanUp();
  await upstream?.close();
}, SLOW);

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
}

describe('graceful shutdown', () => {
  it('SIGTERM lets an in-flight request finish with 200, then exits 0', async () => {
    const arrived = deferred();
    const release = deferred();
    upstream.handle(async (_req, res) => {
      arrived.resolve();
      await release.promise;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('finished after SIGTERM');
    });
    const inFlight = fetch(`${install.url}/slow-report`);
    await arrived.promise;

    serve.child.kill('SIGTERM');
    await serve.waitForOutput(/shutting down: finishing in-flight requests/);
    release.resolve();

    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('finished after SIGTERM');
    expect(await serve.exited).toBe(0);
    await expect(fetch(`${install.url}/.recourse/healthz`)).rejects.toThrow();
  }, SLOW);
});
