/**
 * The directory going away (issue 27, SECURITY F1): sign-ins of directory users fail closed with a
 * clear 503 page, readyz names the directory, sessions verified before keep working (nothing is
 * asked of the directory per request) and a failed refresh changes nobody, until a refresh interval
 * (and its slack) has passed unchecked: then they are refused, not ended; local accounts still sign in;
 * an assistance request is recorded and matched to its account once the directory answers again. A refused service account stops start-up with one line naming its keys.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAssistanceRequestByReference } from '../../db/queries/assistance.js';
import { findUserByEmail } from '../../db/queries/users.js';
import { loadConfig } from '../../gateway/config/load.js';
import { createLogger } from '../../gateway/core/logger.js';
import { startGateway, StartupError } from '../../gateway/server.js';
import { TestClient } from '../support/client.js';
import { FixedClock, startProxiedTestGateway, TEST_SECRET, type ProxiedTestGateway } from '../support/gateway.js';
import { directoryConfig, hasSlapd, SLAPD_MISSING, startSlapd, type RunningSlapd } from '../support/slapd.js';
import { openTestStorage } from '../support/storage.js';

const P = '/.recourse';
if (!hasSlapd) console.warn(`skipping directory outage tests: ${SLAPD_MISSING}`);

describe.skipIf(!hasSlapd)('the directory unreachable', () => {
  let slapd: RunningSlapd;
  let fixture: ProxiedTestGateway;
  let dir: string;
  const gw = () => fixture.gw;
  const clock = new FixedClock('2026-06-01T08:00:00Z');

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recourse-dir-test-'));
    slapd = await startSlapd();
    fixture = await startProxiedTestGateway({ clock, config: directoryConfig(slapd, dir, { timeout: '2s', connect_timeout: '2s' }, '10s') });
    await gw().addUser({ email: 'breakglass@example.com', password: 'break glass password' });
  });
  afterAll(async () => {
    await fixture?.close();
    await slapd?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fails closed for directory users, keeps sessions and local accounts working, and recovers', async () => {
    const alice = new TestClient(gw().url);
    expect((await alice.signIn('alice', 'alice-password-1')).status).toBe(303);
    expect((await fetch(`${gw().url}${P}/readyz`)).status).toBe(200);

    await slapd.stop();

    const refused = await new TestClient(gw().url).signIn('bob', 'bob-password-12');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(await refused.text()).toContain("directory cannot be reached");
    const ready = await fetch(`${gw().url}${P}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'unavailable', reason: 'directory unreachable', failing: ['directory'] });

    // The session verified before keeps working, and a refresh that cannot list changes nobody.
    expect((await alice.request('/')).status).toBe(200);
    expect(await gw().running.directoryRefresh!.refreshNow()).toMatchObject({ ok: false });
    expect((await alice.request('/')).status).toBe(200);
    expect((await findUserByEmail(fixture.storage.db, 'alice@example.org'))!.active).toBe(true);

    // A local account (the break-glass administrator) does not need the directory.
    const breakglass = new TestClient(gw().url);
    expect((await breakglass.signIn('breakglass@example.com', 'break glass password')).status).toBe(303);

    // An assistance request is answered and recorded as always (the answer never waits for the
    // account work, SECURITY A1); its account is looked up once the directory is back.
    const help = new TestClient(gw().url);
    await help.page(`${P}/assist`);
    const answer = await help.postForm(`${P}/assist`, { email: 'bob@example.org', type: 'lost_2fa', message: '' });
    expect(answer.status).toBe(200);
    const reference = /AR-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(await answer.text())![0];
    await gw().running.assistance.poke();
    expect(await findAssistanceRequestByReference(fixture.storage.db, reference)).toMatchObject({ processedAt: null });

    // A refresh interval (10s) and its slack (10s) unchecked: a user disabled meanwhile could not be
    // known, so directory users' sessions are refused until the directory answers again.
    clock.advance(20_000);
    expect((await alice.request('/')).status).toBe(200);
    clock.advance(1_001);
    expect((await alice.request('/')).status).toBe(302);
    expect((await breakglass.request('/')).status).toBe(200);

    await slapd.start();
    expect(await gw().running.directoryRefresh!.refreshNow()).toMatchObject({ ok: true });
    expect((await alice.request('/')).status).toBe(200);
    expect((await new TestClient(gw().url).signIn('bob', 'bob-password-12')).status).toBe(303);
    expect((await fetch(`${gw().url}${P}/readyz`)).status).toBe(200);
    await gw().running.assistance.poke();
    const bob = await findUserByEmail(fixture.storage.db, 'bob@example.org');
    expect(await findAssistanceRequestByReference(fixture.storage.db, reference)).toMatchObject({ userId: bob!.id, processedAt: expect.any(Date) });
  });

  it('a service account the directory refuses stops start-up with one line naming its keys', async () => {
    const storage = await openTestStorage();
    try {
      const config = loadConfig({
        object: {
          session: { secret: TEST_SECRET }, storage: { data_dir: path.join(dir, 'data') }, log: { level: 'silent' },
          policies: { dir: gw().policiesDir }, server: { listen: '127.0.0.1:0' },
          ...directoryConfig(slapd, dir, { bind_password: 'not-the-service-password' }),
        },
        env: {}, cwd: dir,
      });
      const started = startGateway({ config, logger: createLogger('silent'), storage, port: 0 });
      await expect(started).rejects.toBeInstanceOf(StartupError);
      const error = await started.catch((e: StartupError) => e);
      expect((error as StartupError).lines).toEqual([
        'directory.ldap.bind_dn, directory.ldap.bind_password_file: the directory refused the service account cn=recourse,ou=services,dc=example,dc=org (invalid credentials)',
      ]);
    } finally {
      await storage.close();
    }
  });

  it('config problems name their key paths', () => {
    const problems = (object: unknown) => {
      try {
        loadConfig({ object, env: {}, cwd: dir });
        return [];
      } catch (error) {
        return (error as { lines: string[] }).lines;
      }
    };
    expect(problems({ session: { secret: TEST_SECRET }, directory: { kind: 'ldap', ldap: { url: 'http://x' } } })).toEqual(expect.arrayContaining([
      'directory.ldap.url: expected ldap://host[:port] or ldaps://host[:port]',
      'directory.ldap.bind_dn: required when directory.kind is ldap',
      'directory.ldap.bind_password_file: required when directory.kind is ldap',
      'directory.ldap.base_dn: required when directory.kind is ldap',
    ]));
    expect(problems({ session: { secret: TEST_SECRET }, ...directoryConfig({ url: 'ldap://127.0.0.1:1' }, dir, { bind_password_file: path.join(dir, 'missing') }) }))
      .toEqual([`directory.ldap.bind_password_file: cannot read ${path.join(dir, 'missing')}: ENOENT`]);
    expect(problems({ session: { secret: TEST_SECRET }, ...directoryConfig({ url: 'ldap://127.0.0.1:1' }, dir, { implementation: 'custom' }) })).toEqual([
      'directory.ldap.users_filter: required with implementation: custom',
      'directory.ldap.attributes.id: required with implementation: custom',
      'directory.ldap.attributes.username: required with implementation: custom',
      'directory.ldap.attributes.email: required with implementation: custom',
    ]);
    expect(problems({ session: { secret: TEST_SECRET }, ...directoryConfig({ url: 'ldap://127.0.0.1:1' }, dir, { implementation: 'activedirectory', password_reset: true }) }))
      .toEqual(['directory.ldap.password_reset: Active Directory changes passwords only over TLS: use ldaps:// or start_tls']);
  });
});
