// PostgreSQL outage (SECURITY F1, ASVS 4.1.5 fail closed): a gateway child runs on a PostgreSQL
// server of the test's own, which the test stops under it. While the database is gone nothing
// reaches the upstream (not even with a session cached a moment before), no backup code is
// accepted, readiness fails and the process stays up; when the server returns, the gateway
// serves again by itself, the same session included, and the code refused meanwhile still works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../../db/client.js';
import { createUser } from '../../db/queries/users.js';
import { systemClock } from '../../gateway/core/clock.js';
import { generateBackupCodeSet, revealBackupCodes } from '../../gateway/factors/backup-codes.js';
import { defaultPolicy } from '../../gateway/policy/load.js';
import { hashPassword } from '../../gateway/security/password.js';
import { TestClient } from '../support/client.js';
import { canRunThrowawayPostgres, startThrowawayPostgres, type ThrowawayPostgres } from '../support/throwaway-postgres.js';
import { startEchoUpstream } from '../support/upstream.js';
import { cleanUp, startServe, writeInstallFrom, type Install, type ServeChild } from './child.js';

const P = '/.recourse';
const SLOW = 180_000;
const PASSWORD = 'outage test password';
const SECRET = 'outage-secret-outage-secret-outage-secret-0123';
// The session cache re-checks the database after 1 s; past that a cached session must not help.
const SESSION_RECHECK_MS = 1_000;
const RECOVERY_WAIT_MS = 30_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let server: ThrowawayPostgres;
let storage: Storage;
let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
let install: Install;
let serve: ServeChild;
let codes: string[] = [];

async function waitForReady(url: string): Promise<number> {
  const deadline = Date.now() + RECOVERY_WAIT_MS;
  for (;;) {
    const status = await fetch(`${url}${P}/readyz`).then((res) => res.status, () => 0);
    if (status === 200 || Date.now() > deadline) return status;
    await sleep(250);
  }
}

describe.skipIf(!canRunThrowawayPostgres())('PostgreSQL stopped under a running gateway', () => {
  beforeAll(async () => {
    server = await startThrowawayPostgres();
    upstream = await startEchoUpstream();
    install = await writeInstallFrom({
      session: { secret: SECRET },
      storage: { database_url: server.url },
      apps: [{ name: 'app', host: '*', upstream: upstream.url }],
    });
    serve = await startServe(install);
    // The test's own connection, for the user and codes (domain functions) and for checks afterwards.
    storage = await openStorage({ databaseUrl: server.url, dataDir: '', poolSize: 2 });
    const created = await createUser(storage.db, {
      email: 'steady@example.com', name: 'Steady', role: 'user', type: 'user', passwordHash: await hashPassword(PASSWORD),
      dataProtectionLevel: 0, expertMode: false, phone: null,
    }, new Date());
    if (!created.ok) throw new Error('user exists');
    const deps = { config: { session: { secret: SECRET } }, clock: systemClock, policies: { current: () => ({ policy: defaultPolicy() }) } };
    await storage.db.transaction((tx) => generateBackupCodeSet(tx, deps, created.user.id, 'system', null));
    const shown = await storage.db.transaction((tx) => revealBackupCodes(tx, deps, created.user.id));
    if (!shown.ok) throw new Error(shown.reason);
    codes = shown.codes;
  }, SLOW);
  afterAll(async () => {
    await cleanUp();
    await storage?.close().catch(() => {});
    await upstream?.close();
    await server?.destroy();
  }, SLOW);

  it('fails closed while it is down and resumes by itself when it returns', async () => {
    const user = new TestClient(install.url);
    expect((await user.signIn('steady@example.com', PASSWORD)).status).toBe(303);
    expect((await user.request('/before')).status).toBe(200);
    // A second browser, signed in with the password and holding the backup-code form.
    const coder = new TestClient(install.url);
    expect((await coder.signIn('steady@example.com', PASSWORD)).status).toBe(303);
    expect((await coder.page(`${P}/2fa/backup-code`)).res.status).toBe(200);
    const reachedBefore = upstream.seen.length;

    await server.stop();
    await sleep(SESSION_RECHECK_MS + 200);

    const proxied = await user.request('/during');
    expect(proxied.status).toBe(503);
    expect(await proxied.text()).toContain('Sign-in is unavailable right now');
    const json = await user.request('/during.json', { headers: { accept: 'application/json' } });
    expect(json.status).toBe(503);
    const code = await coder.postForm(`${P}/2fa/backup-code`, { code: codes[0]!, rd: '/' });
    expect(code.status).toBe(503);
    expect(code.headers.getSetCookie().some((c) => c.startsWith('recourse_session='))).toBe(false);
    const signIn = await new TestClient(install.url).signIn('steady@example.com', PASSWORD);
    expect(signIn.status).toBeGreaterThanOrEqual(500);
    expect(signIn.headers.getSetCookie().some((c) => c.startsWith('recourse_session='))).toBe(false);
    expect(upstream.seen.length).toBe(reachedBefore);

    const ready = await fetch(`${install.url}${P}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'unavailable' });
    expect((await fetch(`${install.url}${P}/healthz`)).status).toBe(200);
    expect(serve.child.exitCode).toBeNull();

    await server.start();
    expect(await waitForReady(install.url)).toBe(200);
    const after = await user.request('/after');
    expect(after.status).toBe(200);
    expect(upstream.last()!.url).toBe('/after');
    expect(upstream.last()!.headers['remote-email']).toBe('steady@example.com');
    // The code refused during the outage was never spent: it works now.
    expect((await coder.postForm(`${P}/2fa/backup-code`, { code: codes[0]!, rd: '/' })).status).toBe(303);
    expect((await new TestClient(install.url).signIn('steady@example.com', PASSWORD)).status).toBe(303);
    expect(serve.child.exitCode).toBeNull();
    expect(serve.stderr()).not.toMatch(/^\s+at /m);
  }, SLOW);
});
