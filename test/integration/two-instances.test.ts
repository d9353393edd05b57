// Two instances behind one load balancer (SECURITY S1, B3, L1, L2): two `recourse serve` processes
// on different ports share one PostgreSQL database, one Redis, one session secret and one
// policies directory. A user — or an attacker — gains nothing by switching instance: a session from
// one is valid on the other, a logout on one is refused on the other at once (Redis pub/sub, not
// the 1 s cache re-check), a backup code spent on one is refused on the other, wrong passwords
// spread over both count towards one ban, and a policy change reaches both.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../../db/client.js';
import { createUser } from '../../db/queries/users.js';
import { systemClock } from '../../gateway/core/clock.js';
import { generateBackupCodeSet, revealBackupCodes } from '../../gateway/factors/backup-codes.js';
import { defaultPolicy } from '../../gateway/policy/load.js';
import { hashPassword } from '../../gateway/security/password.js';
import { TestClient } from '../support/client.js';
import { cleanUp, createDatabase, startServe, tempDir, writeInstallFrom, type Install } from './child.js';
import { runAddresses } from '../support/run-addresses.js';

const P = '/.recourse';
const SLOW = 180_000;
const PASSWORD = 'two instances password';
const SECRET = 'shared-secret-shared-secret-shared-secret-0123';
// Policy files are watched (and polled every second); CONTRACT §3: no restart needed.
const POLICY_PROPAGATION_MS = 2_000;
// Counts in the shared Redis outlive a run: every run uses its own emails and client addresses.
const run = randomBytes(3).toString('hex');
const email = (name: string) => `${name}-${run}@example.com`;
const address = runAddresses();
let nextIp = 0;
/** A documentation address (RFC 3849) of this run's own; never the shared 127.0.0.1. */
function freshIp(): string {
  const ip = address(++nextIp);
  if (net.isIP(ip) !== 6) throw new Error(`not an address: ${ip}`);
  return ip;
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// CI's second run sets both DATABASE_URL and REDIS_URL; without them there is nothing to share.
describe.skipIf(!process.env.DATABASE_URL || !process.env.REDIS_URL)('two gateway processes sharing PostgreSQL and Redis', () => {
  let a: Install;
  let b: Install;
  let policiesDir: string;
  let storage: Storage;

  beforeAll(async () => {
    const databaseUrl = await createDatabase(process.env.DATABASE_URL!);
    policiesDir = path.join(tempDir(), 'policies');
    fs.mkdirSync(policiesDir);
    fs.writeFileSync(path.join(policiesDir, 'access.yaml'), 'access:\n  default: one_factor\n');
    const shared = {
      session: { secret: SECRET },
      storage: { database_url: databaseUrl },
      redis: { url: process.env.REDIS_URL },
      policies: { dir: policiesDir },
      // The test plays the load balancer: each attempt names its client address.
      server: { trust_proxy: ['127.0.0.1/32'] },
    };
    a = await writeInstallFrom(shared);
    b = await writeInstallFrom(shared);
    await startServe(a); // migrates the fresh database before the second one starts
    await startServe(b);
    storage = await openStorage({ databaseUrl, dataDir: '', poolSize: 2 });
    for (const name of ['roamer', 'leaver', 'coder', 'guessed']) await addUser(email(name));
  }, SLOW);
  afterAll(async () => {
    await storage?.close();
    await cleanUp();
  }, SLOW);

  async function addUser(address: string): Promise<string> {
    const outcome = await createUser(storage.db, {
      email: address, name: '', role: 'user', type: 'user', passwordHash: await hashPassword(PASSWORD),
      dataProtectionLevel: 0, expertMode: false, phone: null,
    }, new Date());
    if (!outcome.ok) throw new Error(`${address} exists`);
    return outcome.user.id;
  }

  /** A browser that always reaches the instances through the "load balancer" with this address. */
  const browser = (install: Install) => new TestClient(install.url, { 'x-forwarded-for': freshIp() });
  const sessionCookie = (client: TestClient) => client.cookies.get('recourse_session')!;

  it('a session from one instance is valid on the other', async () => {
    const client = browser(a);
    expect((await client.signIn(email('roamer'), PASSWORD)).status).toBe(303);
    const onB = await client.request(`${b.url}/dashboard`);
    expect(onB.status).toBe(200);
    expect(await onB.text()).toContain(email('roamer'));
  }, SLOW);

  it('a logout on one instance is refused on the other at once', async () => {
    const client = browser(a);
    expect((await client.signIn(email('leaver'), PASSWORD)).status).toBe(303);
    const cookie = sessionCookie(client);
    // B has just checked the session, so only the revocation message can make it look again now.
    expect((await client.request(`${b.url}/warm`)).status).toBe(200);
    await client.page(`${P}/login`);
    expect((await client.postForm(`${P}/logout`, {})).status).toBe(303);
    const replay = await fetch(`${b.url}/after-logout`, { headers: { cookie: `recourse_session=${cookie}` }, redirect: 'manual' });
    expect(replay.status).toBe(302);
    expect(replay.headers.get('location')).toMatch(new RegExp(`^${P}/login\\?rd=`));
  }, SLOW);

  it('a backup code spent on one instance is refused on the other', async () => {
    const userId = (await storage.db.query.users.findFirst({ where: (u, { eq }) => eq(u.email, email('coder')) }))!.id;
    const deps = { config: { session: { secret: SECRET } }, clock: systemClock, policies: { current: () => ({ policy: defaultPolicy() }) } };
    await storage.db.transaction((tx) => generateBackupCodeSet(tx, deps, userId, 'system', null));
    const shown = await storage.db.transaction((tx) => revealBackupCodes(tx, deps, userId));
    if (!shown.ok) throw new Error(shown.reason);
    const [first, second] = shown.codes as [string, string];

    const onA = browser(a);
    const onB = browser(b);
    for (const client of [onA, onB]) {
      expect((await client.signIn(email('coder'), PASSWORD)).status).toBe(303);
      expect((await client.page(`${P}/2fa/backup-code`)).res.status).toBe(200);
    }
    expect((await onA.postForm(`${P}/2fa/backup-code`, { code: first, rd: '/' })).status).toBe(303);
    expect((await onB.postForm(`${P}/2fa/backup-code`, { code: first, rd: '/' })).status).toBe(401);
    expect((await onB.postForm(`${P}/2fa/backup-code`, { code: second, rd: '/' })).status).toBe(303);
  }, SLOW);

  it('wrong passwords spread over both instances count towards one ban', async () => {
    const guessed = email('guessed');
    // One address for them all: the ban is on the account at that address (CONTRACT §8.4).
    const office = freshIp();
    const attempt = async (install: Install, password: string) => {
      const client = new TestClient(install.url, { 'x-forwarded-for': office });
      await client.page(`${P}/login`);
      return client.postForm(`${P}/login`, { email: guessed, password, rd: '/' });
    };
    // Two on A and one on B: neither instance alone has seen max_retries (3) failures.
    expect((await attempt(a, 'wrong 1')).status).toBe(401);
    expect((await attempt(b, 'wrong 2')).status).toBe(401);
    expect((await attempt(a, 'wrong 3')).status).toBe(429);
    for (const install of [a, b]) {
      const res = await attempt(install, PASSWORD);
      expect(res.status).toBe(429);
      expect(await res.text()).toMatch(/Too many failed sign-in attempts/);
    }
  }, SLOW);

  it('a policy change reaches both instances', async () => {
    for (const install of [a, b]) expect((await fetch(`${install.url}/closed`, { redirect: 'manual' })).status).toBe(302);
    fs.writeFileSync(path.join(policiesDir, 'access.yaml'), 'access:\n  default: deny\n');
    const deadline = Date.now() + POLICY_PROPAGATION_MS;
    const denied = new Set<string>();
    while (denied.size < 2 && Date.now() < deadline) {
      for (const install of [a, b]) if ((await fetch(`${install.url}/closed`, { redirect: 'manual' })).status === 403) denied.add(install.url);
      await sleep(50);
    }
    expect([...denied].sort()).toEqual([a.url, b.url].sort());
  }, SLOW);
});
