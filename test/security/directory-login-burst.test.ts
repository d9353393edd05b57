// Attack: a password guesser against a directory user (a real OpenLDAP) who can be named two ways,
// by uid and by mail. Counted under what was typed, each spelling had a budget of its own, so
// alternating them verified twice max_retries passwords (and AD's three names, three times).
// SECURITY L1: once the search has found the entry, and before the password is tried by binding
// as it, the attempt is charged under the entry's immutable id too (atomically, like every other
// charge), so every spelling shares one budget, in sequence and in a parallel burst; once it is
// spent the right password is refused too. Counted from the audit (one `login.failed` row with
// the real reason per verified password), not from the answers. The per-address cap is set far
// above max_retries so that only the account's own count can stop the guesses.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/schema/index.js';
import { TestClient } from '../support/client.js';
import { startProxiedTestGateway, type ProxiedTestGateway } from '../support/gateway.js';
import { runAddresses } from '../support/run-addresses.js';
import { directoryConfig, hasSlapd, SLAPD_MISSING, startSlapd, type RunningSlapd } from '../support/slapd.js';
import { usingPostgres } from '../support/storage.js';

const P = '/.recourse';
const MAX_RETRIES = 3;
const ATTEMPTS = 30;
// Counts in Redis outlive a run: this run's people and addresses are its own.
const run = randomBytes(4).toString('hex');
const address = runAddresses();
if (!hasSlapd) console.warn(`skipping directory login burst tests: ${SLAPD_MISSING}`);

describe.skipIf(!hasSlapd)(`login regulation for directory users (${usingPostgres ? 'PostgreSQL' : 'PGlite'}${process.env.REDIS_URL ? ', Redis' : ''})`, () => {
  let slapd: RunningSlapd;
  let fixture: ProxiedTestGateway;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recourse-dir-test-'));
    slapd = await startSlapd();
    fixture = await startProxiedTestGateway({
      policy: {
        access: { default: 'one_factor' },
        rate_limits: { login: { max_retries: MAX_RETRIES, per_ip_max_retries: 1000, find_time: '2m', ban_time: '5m' } },
      },
      config: { server: { trust_proxy: ['127.0.0.1/32'] }, redis: { url: process.env.REDIS_URL ?? '' }, ...directoryConfig(slapd, dir) },
    });
  });
  afterAll(async () => {
    await fixture?.close();
    await slapd?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A person of this run's own in the directory: a uid and a mail that both sign in. */
  async function addPerson(name: string): Promise<{ uid: string; mail: string; password: string }> {
    const uid = `${name}-${run}`;
    const person = { uid, mail: `${uid}@example.org`, password: `${name}-password-${run}` };
    await slapd.modify([
      `dn: uid=${uid},ou=people,dc=example,dc=org`, 'changetype: add', 'objectClass: inetOrgPerson',
      `uid: ${uid}`, `cn: ${name}`, `sn: ${name}`, `mail: ${person.mail}`, `userPassword: ${person.password}`, '',
    ].join('\n'));
    return person;
  }

  async function signIn(client: TestClient, ip: string, login: string, password: string): Promise<number> {
    const res = await client.postForm(`${P}/login`, { email: login, password, rd: '/' }, { 'x-forwarded-for': ip });
    await res.arrayBuffer();
    return res.status;
  }

  async function audit(event: string, ip: string) {
    return fixture.storage.db.select().from(auditLog).where(and(eq(auditLog.event, event), eq(auditLog.ip, ip)));
  }

  /** Passwords actually tried against the directory (a bind), from this address. */
  async function verified(ip: string): Promise<number> {
    const failed = await audit('login.failed', ip);
    return failed.filter((row) => row.details.reason !== 'locked').length + (await audit('login.succeeded', ip)).length;
  }

  async function client(): Promise<TestClient> {
    const c = new TestClient(fixture.gw.url);
    await c.page(`${P}/login`);
    return c;
  }

  it(`applies to directory users: after max_retries (${MAX_RETRIES}) wrong binds the right password is refused`, async () => {
    const erin = await addPerson('erin');
    const ip = address(1);
    const c = await client();
    for (let i = 0; i < MAX_RETRIES; i++) expect(await signIn(c, ip, erin.uid, `wrong password ${i}`)).not.toBe(303);
    const failed = await audit('login.failed', ip);
    expect(failed.map((row) => row.details.reason)).toEqual(Array(MAX_RETRIES).fill('bad_password'));

    expect(await signIn(c, ip, erin.uid, erin.password)).toBe(429);
    expect(await audit('login.succeeded', ip)).toHaveLength(0);
    expect(await verified(ip)).toBe(MAX_RETRIES);
  });

  it('alternating uid and mail gets no more than max_retries passwords verified', async () => {
    const finn = await addPerson('finn');
    const ip = address(2);
    const c = await client();
    const spellings = [finn.uid, finn.mail, finn.uid.toUpperCase()];
    for (let i = 0; i < 2 * MAX_RETRIES + 2; i++) await signIn(c, ip, spellings[i % spellings.length]!, `wrong password ${i}`);
    expect(await verified(ip)).toBe(MAX_RETRIES);
    for (const spelling of [finn.uid, finn.mail]) expect(await signIn(c, ip, spelling, finn.password)).toBe(429);
    expect(await audit('login.succeeded', ip)).toHaveLength(0);
    expect(await verified(ip)).toBe(MAX_RETRIES);
  });

  it(`${ATTEMPTS} parallel wrong passwords under both spellings verify at most max_retries, then the right one is refused`, async () => {
    const gwen = await addPerson('gwen');
    const ip = address(3);
    const c = await client();
    const answers = await Promise.all(Array.from({ length: ATTEMPTS }, (_, i) => signIn(c, ip, i % 2 ? gwen.mail : gwen.uid, `wrong password ${i}`)));
    expect(answers.every((status) => status === 401 || status === 429)).toBe(true);
    expect(await verified(ip)).toBe(MAX_RETRIES);
    const failed = await audit('login.failed', ip);
    expect(failed.filter((row) => row.details.reason === 'locked')).toHaveLength(ATTEMPTS - MAX_RETRIES);

    expect(await signIn(c, ip, gwen.mail, gwen.password)).toBe(429);
    expect(await signIn(c, ip, gwen.uid, gwen.password)).toBe(429);
    expect(await verified(ip)).toBe(MAX_RETRIES);
  });
});
