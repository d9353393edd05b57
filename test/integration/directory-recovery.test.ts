/**
 * Recovery with a directory (issue 27): an assistance request finds a directory user by the
 * directory's email attribute (before they ever signed in) with the same answer as for an unknown
 * address; an access email's reset changes the password in the directory (RFC 3062), or, with
 * password_reset: false, says the directory owns passwords and carries no link.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertApiToken } from '../../db/queries/api-tokens.js';
import { findUserByEmail } from '../../db/queries/users.js';
import { assistanceRequests, auditLog, outbox } from '../../db/schema/index.js';
import { newApiToken } from '../../gateway/auth/api-token.js';
import { signedIn, PASSWORD } from '../http/admin-support.js';
import { TestClient } from '../support/client.js';
import { startProxiedTestGateway, type ProxiedTestGateway } from '../support/gateway.js';
import { deliveredEmail } from '../support/mailbox.js';
import { directoryConfig, hasSlapd, SLAPD_MISSING, startSlapd, type RunningSlapd } from '../support/slapd.js';

const P = '/.recourse';
const REASON = 'Identity verified by phone';
if (!hasSlapd) console.warn(`skipping directory recovery tests: ${SLAPD_MISSING}`);

async function adminToken(fixture: ProxiedTestGateway): Promise<string> {
  const id = await fixture.gw.addUser({ email: 'root@example.com', password: PASSWORD, role: 'super_admin' });
  const { token, tokenHash } = newApiToken();
  await insertApiToken(fixture.storage.db, { name: 'root', userId: id, tokenHash, now: fixture.gw.clock.now() });
  return token;
}

function sendAccessEmail(fixture: ProxiedTestGateway, token: string, userId: string): Promise<Response> {
  return fetch(`${fixture.gw.url}${P}/api/v1/users/${userId}/send-access-email`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: REASON }),
  });
}

describe.skipIf(!hasSlapd)('recovery with a directory', () => {
  let slapd: RunningSlapd;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recourse-dir-test-'));
    slapd = await startSlapd();
  });
  afterAll(async () => {
    await slapd?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('password_reset: true', () => {
    let fixture: ProxiedTestGateway;
    let token: string;
    beforeAll(async () => {
      fixture = await startProxiedTestGateway({ config: directoryConfig(slapd, dir, { password_reset: true }) });
      token = await adminToken(fixture);
    });
    afterAll(async () => fixture?.close());

    it('an assistance request finds a directory user who never signed in, with the answer an unknown address gets', async () => {
      const ask = async (email: string) => {
        const client = new TestClient(fixture.gw.url);
        await client.page(`${P}/assist`);
        const res = await client.postForm(`${P}/assist`, { email, type: 'forgot_password', message: 'help' });
        return { status: res.status, body: (await res.text()).replace(/AR-[A-Z0-9]{4}-[A-Z0-9]{4}/g, 'AR-REF') };
      };
      const known = await ask('alice@example.org');
      const unknown = await ask('nobody@example.org');
      expect(known).toEqual(unknown);
      expect(known.status).toBe(200);
      // The account work follows the answers (SECURITY A1).
      await fixture.gw.running.assistance.poke();
      const alice = await findUserByEmail(fixture.storage.db, 'alice@example.org');
      expect(alice?.directoryId).toBeTruthy();
      const requests = await fixture.storage.db.select().from(assistanceRequests);
      expect(requests.find((r) => r.submittedEmail === 'alice@example.org')!.userId).toBe(alice!.id);
      expect(requests.find((r) => r.submittedEmail === 'nobody@example.org')!.userId).toBeNull();
    });

    it("an access email's reset changes the password in the directory, and only there", async () => {
      const bob = new TestClient(fixture.gw.url);
      expect((await bob.signIn('bob', 'bob-password-12')).status).toBe(303);
      const row = (await findUserByEmail(fixture.storage.db, 'bob@example.org'))!;
      expect((await sendAccessEmail(fixture, token, row.id)).status).toBe(200);
      const mail = await deliveredEmail(fixture.gw, and(eq(outbox.kind, 'access_email'), eq(outbox.userId, row.id)));
      const link = /https?:\/\/\S+\/password\/reset\?token=[A-Za-z0-9_-]+/.exec(mail.text)![0];

      const reset = new TestClient(fixture.gw.url);
      await reset.page(link.replace(fixture.gw.url, ''));
      const done = await reset.postForm(`${P}/password/reset`, { token: new URL(link).searchParams.get('token')!, password: 'bobs brand new password' });
      expect(done.status).toBe(303);

      expect((await new TestClient(fixture.gw.url).signIn('bob', 'bob-password-12')).status).toBe(401);
      expect((await new TestClient(fixture.gw.url).signIn('bob', 'bobs brand new password')).status).toBe(303);
      // The old session ended with the reset; no hash was stored here.
      expect((await bob.request('/')).status).toBe(302);
      expect((await findUserByEmail(fixture.storage.db, 'bob@example.org'))!.passwordHash).toBeNull();
      const [audit] = await fixture.storage.db.select().from(auditLog).where(and(eq(auditLog.event, 'password.reset'), eq(auditLog.userId, row.id)));
      expect(audit!.details).toMatchObject({ via: 'password_reset', changed_in: 'directory' });
    });
  });

  describe('password_reset: false', () => {
    let fixture: ProxiedTestGateway;
    let token: string;
    beforeAll(async () => {
      fixture = await startProxiedTestGateway({ config: directoryConfig(slapd, dir, { password_reset: false }) });
      token = await adminToken(fixture);
    });
    afterAll(async () => fixture?.close());

    it('the access email says the directory owns the password and carries no link', async () => {
      expect((await new TestClient(fixture.gw.url).signIn('alice@example.org', 'alice-password-1')).status).toBe(303);
      const row = (await findUserByEmail(fixture.storage.db, 'alice@example.org'))!;
      expect((await sendAccessEmail(fixture, token, row.id)).status).toBe(200);
      const mail = await deliveredEmail(fixture.gw, and(eq(outbox.kind, 'access_email'), eq(outbox.userId, row.id)));
      expect(mail.text).toContain("kept by your organisation's directory");
      expect(mail.text).not.toContain('/password/reset');
      const [audit] = await fixture.storage.db.select().from(auditLog).where(and(eq(auditLog.event, 'access_email.sent'), eq(auditLog.userId, row.id)));
      expect(audit!.details).toMatchObject({ password_link: false });
    });

    it('the dashboard shows where each account lives', async () => {
      const admin = await signedIn(fixture.gw, 'root@example.com');
      const alice = (await findUserByEmail(fixture.storage.db, 'alice@example.org'))!;
      const { html: list } = await admin.page(`${P}/admin/users`);
      expect(/data-user="[^"]+">(?:(?!<\/tr>)[\s\S])*alice@example\.org(?:(?!<\/tr>)[\s\S])*class="account-source">directory</.test(list)).toBe(true);
      expect(/root@example\.com(?:(?!<\/tr>)[\s\S])*class="account-source">local</.test(list)).toBe(true);
      const { html: page } = await admin.page(`${P}/admin/users/${alice.id}`);
      expect(page).toContain('id="account-source">directory (identity and password from the organisation');
    });
  });
});
