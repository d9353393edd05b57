import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanUp, startServe, writeInstall, writeInstallFrom, type Install, type ServeChild } from './child.js';
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

  it('a request still unfinished at server.shutdown_timeout is cut, the upstream call aborted, and the exit says so', async () => {
    const arrived = deferred();
    const upstreamLetGo = deferred();
    // An upstream that never answers: without the limit SIGTERM would wait for it until SIGKILL.
    upstream.handle((_req, res) => {
      res.once('close', () => upstreamLetGo.resolve());
      arrived.resolve();
    });
    const stuckInstall = await writeInstallFrom(
      { server: { shutdown_timeout: '1s' }, log: { level: 'info' }, apps: [{ name: 'app', host: '*', upstream: upstream.url }] },
      { access: 'bypass' },
    );
    const stuck = await startServe(stuckInstall);
    const inFlight = fetch(`${stuckInstall.url}/never-answered`);
    await arrived.promise;

    stuck.child.kill('SIGTERM');
    await expect(inFlight).rejects.toThrow();
    expect(await stuck.exited).toBe(0);
    // pino's level 40 is warn.
    const cut = stuck.stdout().split('\n').filter((line) => line.includes('"shutdown.cut"')).map((line) => JSON.parse(line));
    expect(cut).toEqual([expect.objectContaining({ level: 40, connections: 1, limit_ms: 1_000 })]);
    await upstreamLetGo.promise;
  }, SLOW);
});
