// PostgreSQL outage (SECURITY F1, ASVS 4.1.5 fail closed): a gateway child runs on a PostgreSQL
// server of the test's own, which the test stops under it. While the database is gone nothing
// reaches the upstream (not even with a session cached a moment before), no backup code is
// accepted, readiness fails and the process stays up; when the server returns, the gateway
// serves again by itself, the same session included, and the code refused meanwhile still works.
// An outage is answered as one (issue 32, finding 14): every route that needs the database says
// 503 with Retry-After (a page, or `{error: {code: 'unavailable'}}` for the API), never 500.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../../db/client.js';
import { insertApiToken } from '../../db/queries/api-tokens.js';
import { createUser } from '../../db/queries/users.js';
import { newApiToken } from '../../gateway/auth/api-token.js';
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
let adminCodes: string[] = [];
let apiToken = '';

/** A user with a password and a fresh set of backup codes (their second factor here). */
async function userWithCodes(email: string, role: 'user' | 'super_admin'): Promise<{ id: string; codes: string[] }> {
  const created = await createUser(storage.db, {
    email, name: email, role, type: 'user', passwordHash: await hashPassword(PASSWORD), dataProtectionLevel: 0, expertMode: false, phone: null,
  }, new Date());
  if (!created.ok) throw new Error('user exists');
  const deps = { config: { session: { secret: SECRET } }, clock: systemClock, policies: { current: () => ({ policy: defaultPolicy() }) } };
  await storage.db.transaction((tx) => generateBackupCodeSet(tx, deps, created.user.id, 'system', null));
  const shown = await storage.db.transaction((tx) => revealBackupCodes(tx, deps, created.user.id));
  if (!shown.ok) throw new Error(shown.reason);
  return { id: created.user.id, codes: shown.codes };
}

/** 503 with Retry-After and the outage's words, as a page or as the API's JSON. */
async function expectUnavailable(res: Response, as: 'page' | 'json'): Promise<void> {
  expect(res.status).toBe(503);
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  if (as === 'json') expect(await res.json()).toEqual({ error: { code: 'unavailable', message: expect.stringContaining('briefly unavailable') } });
  else expect(await res.text()).toMatch(/briefly unavailable|Sign-in is unavailable right now/);
  expect(res.headers.getSetCookie().some((c) => c.startsWith('recourse_session='))).toBe(false);
}

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
    ({ codes } = await userWithCodes('steady@example.com', 'user'));
    const admin = await userWithCodes('root@example.com', 'super_admin');
    adminCodes = admin.codes;
    const { token, tokenHash } = newApiToken();
    await insertApiToken(storage.db, { name: 'outage', userId: admin.id, tokenHash, now: new Date() });
    apiToken = token;
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
    // An administrator past the second factor (a backup code), on the dashboard.
    const admin = new TestClient(install.url);
    expect((await admin.signIn('root@example.com', PASSWORD)).status).toBe(303);
    await admin.page(`${P}/2fa/backup-code`);
    expect((await admin.postForm(`${P}/2fa/backup-code`, { code: adminCodes[0]!, rd: `${P}/admin` })).status).toBe(303);
    expect((await admin.request(`${P}/admin`)).status).toBe(200);
    const api = () => fetch(`${install.url}${P}/api/v1/audit-logs`, { headers: { authorization: `Bearer ${apiToken}` } });
    expect((await api()).status).toBe(200);
    const reachedBefore = upstream.seen.length;

    await server.stop();
    await sleep(SESSION_RECHECK_MS + 200);

    const proxied = await user.request('/during');
    expect(proxied.status).toBe(503);
    expect(proxied.headers.get('retry-after')).not.toBeNull();
    expect(await proxied.text()).toContain('Sign-in is unavailable right now');
    const json = await user.request('/during.json', { headers: { accept: 'application/json' } });
    expect(json.status).toBe(503);
    expect(json.headers.get('retry-after')).not.toBeNull();
    // A 2FA post, a sign-in, a dashboard page and an API call: each a 503 with Retry-After.
    await expectUnavailable(await coder.postForm(`${P}/2fa/backup-code`, { code: codes[0]!, rd: '/' }), 'page');
    await expectUnavailable(await new TestClient(install.url).signIn('steady@example.com', PASSWORD), 'page');
    await expectUnavailable(await admin.request(`${P}/admin`), 'page');
    await expectUnavailable(await api(), 'json');
    await expectUnavailable(await admin.request(`${P}/api/v1/backup-codes/stats`), 'json');
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
    expect((await admin.request(`${P}/admin`)).status).toBe(200);
    expect((await api()).status).toBe(200);
    expect(serve.child.exitCode).toBeNull();
    expect(serve.stderr()).not.toMatch(/^\s+at /m);
  }, SLOW);
});
