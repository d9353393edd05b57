// Attack: reading what the gateway keeps. An attacker who gets a database dump, read access to
// the audit log or its export, or the logs, searches them for anything usable: the password, the
// TOTP secret or a code, backup codes (also the ones a user mistyped), the email code, an admin
// recovery code, a password-reset token, a session token. SECURITY U1: audit rows (and the
// sign-in history beside them) never contain a secret; B2: backup codes are stored only as keyed
// hashes; E1, R1: email and recovery codes hashed, never logged; T3: the TOTP secret encrypted at
// rest; and the outbox, which carries email codes, recovery codes and reset links to users, keeps
// a waiting message's body sealed and drops it once the message is delivered.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outbox } from '../../db/schema/index.js';
import { issuePasswordLink } from '../../gateway/auth/password-links.js';
import { issueRecoveryCode } from '../../gateway/recovery/recovery-codes.js';
import { enqueueEmail } from '../../gateway/delivery/outbox.js';
import { accessEmail, recoveryCodeEmail } from '../../gateway/delivery/templates/index.js';
import { generateTotpCode } from '../../gateway/security/totp.js';
import { TestClient } from '../support/client.js';
import { FixedClock, startTestGateway, TEST_SECRET, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { deliveredEmail } from '../support/mailbox.js';
import { enrolThroughPage, P, STEP_MS, wrongCode } from '../http/totp-support.js';
import { dumpTable, TABLES } from './db-dump.js';
import { captureLogs } from './log-capture.js';

const logs = captureLogs();

const EMAIL = 'victim@example.com';
const PASSWORD = 'first secret passphrase 7731';
const NEW_PASSWORD = 'second secret passphrase 9917';
const clock = new FixedClock('2026-05-04T10:00:10Z');
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let gw: TestGateway;
let userId = '';
/** Every secret the flow handled, by name. */
const secrets: Record<string, string> = {};

beforeAll(async () => {
  storage = await openTestStorage();
  gw = await startTestGateway({ storage, clock, logger: logs.logger, policy: { access: { default: 'two_factor' }, factors: { email_otp: { enabled: true } } } });
  userId = await gw.addUser({ email: EMAIL, password: PASSWORD });
  secrets.password = PASSWORD;
  const keep = (name: string, cookie: string | undefined) => {
    secrets[`${name} cookie`] = cookie!;
    secrets[`${name} sid`] = JSON.parse(Buffer.from(cookie!.split('.')[1]!, 'base64url').toString()).sid;
  };

  // Password, then TOTP enrolment with its first code; the first backup codes are shown.
  const first = await signIn(PASSWORD);
  keep('password session', first.cookies.get('recourse_session'));
  const enrolled = await enrolThroughPage(first, clock, '/inbox');
  secrets['totp secret'] = enrolled.secret;
  secrets['totp enrolment code'] = generateTotpCode(enrolled.secret, clock.nowMs());
  const shown = await first.page(enrolled.res.headers.get('location')!);
  const codes = [...shown.html.matchAll(/\b([0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4})\b/g)].map((m) => m[1]!);
  expect(new Set(codes).size).toBe(10);
  codes.forEach((code, i) => { secrets[`backup code ${i}`] = code; secrets[`backup code ${i} plain`] = code.replace('-', ''); });
  keep('second-factor session', first.cookies.get('recourse_session'));

  // TOTP sign-in, after one wrong code.
  clock.advance(2 * STEP_MS);
  const totp = await signIn(PASSWORD);
  await totp.page(`${P}/2fa`);
  secrets['wrong totp code'] = wrongCode(enrolled.secret, clock.nowMs());
  expect((await totp.postForm(`${P}/2fa/totp`, { code: secrets['wrong totp code'], rd: '/' })).status).toBe(401);
  secrets['totp code'] = generateTotpCode(enrolled.secret, clock.nowMs());
  expect((await totp.postForm(`${P}/2fa/totp`, { code: secrets['totp code'], rd: '/' })).status).toBe(303);

  // A backup code, after a mistyped one (one symbol off).
  const backup = await signIn(PASSWORD);
  await backup.page(`${P}/2fa/backup-code`);
  secrets['mistyped backup code'] = `${codes[1]!.slice(0, 8)}${codes[1]!.endsWith('Z') ? 'Y' : 'Z'}`;
  expect((await backup.postForm(`${P}/2fa/backup-code`, { code: secrets['mistyped backup code'], rd: '/' })).status).toBe(401);
  expect((await backup.postForm(`${P}/2fa/backup-code`, { code: codes[1]!, rd: '/' })).status).toBe(303);

  // An email code.
  const mail = await signIn(PASSWORD);
  await mail.page(`${P}/2fa/email-otp`);
  expect((await mail.postForm(`${P}/2fa/email-otp/send`, { rd: '/' })).status).toBe(200);
  const message = await deliveredEmail(gw, eq(outbox.kind, 'email_otp'));
  secrets['email code'] = /\b(\d{6})\b/.exec(message.text)![1]!;
  expect((await mail.postForm(`${P}/2fa/email-otp`, { code: secrets['email code'], rd: '/' })).status).toBe(303);

  // An admin-issued recovery code.
  const issued = await storage.db.transaction((tx) => issueRecoveryCode(tx, { serverSecret: TEST_SECRET, userId, requestId: null, issuedBy: null, now: clock.now(), ttlMs: 3_600_000 }));
  secrets['recovery code'] = issued.code;
  secrets['recovery code plain'] = issued.code.replaceAll('-', '');
  const recovery = await signIn(PASSWORD);
  await recovery.page(`${P}/2fa/recovery-code`);
  expect((await recovery.postForm(`${P}/2fa/recovery-code`, { code: issued.code, rd: '/' })).status).toBe(303);

  // A password-reset link and the new password.
  secrets['reset token'] = await storage.db.transaction((tx) => issuePasswordLink(tx, { userId, purpose: 'password_reset', ttlMs: 3_600_000, now: clock.now() }));
  const reset = new TestClient(gw.url);
  await reset.page(`${P}/password/reset?token=${secrets['reset token']}`);
  expect((await reset.postForm(`${P}/password/reset`, { token: secrets['reset token']!, password: NEW_PASSWORD })).status).toBe(303);
  secrets['new password'] = NEW_PASSWORD;
  await gw.running.delivery.poke();
});
afterAll(async () => {
  await gw?.close();
  await storage?.close();
});

async function signIn(password: string): Promise<TestClient> {
  const client = new TestClient(gw.url);
  expect((await client.signIn(EMAIL, password)).status).toBe(303);
  return client;
}

/** Where `secret` occurs as a token of its own (a six-digit code inside a hex hash does not count). */
function occurs(text: string, secret: string): boolean {
  const escaped = secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^0-9A-Za-z])${escaped}([^0-9A-Za-z]|$)`, 'i').test(text);
}

function findSecrets(text: string): string[] {
  return Object.entries(secrets).filter(([, secret]) => occurs(text, secret)).map(([name]) => name);
}

describe('secrets at rest and in logs', () => {
  it('the flow used every kind of secret', () => {
    expect(Object.keys(secrets)).toEqual(expect.arrayContaining(['password', 'totp secret', 'totp code', 'backup code 1', 'email code', 'recovery code', 'reset token']));
  });

  it('audit rows and sign-in history contain none of them (SECURITY U1)', async () => {
    for (const table of ['audit_log', 'sign_in_events'] as const) {
      const rows = await dumpTable(storage.db, table);
      expect(rows.length, table).toBeGreaterThan(5);
      const leaks = rows.flatMap((row) => findSecrets(JSON.stringify(row)).map((name) => `${table} #${String(row.id)}: ${name}`));
      expect(leaks).toEqual([]);
    }
  });

  it('no other table holds a usable secret either, the delivered messages included (SECURITY B2, E1, R1, T3)', async () => {
    const leaks: string[] = [];
    for (const table of TABLES) {
      for (const row of await dumpTable(storage.db, table)) leaks.push(...findSecrets(JSON.stringify(row)).map((name) => `${table}: ${name}`));
    }
    expect(leaks).toEqual([]);
  });

  it('a message still waiting in the outbox shows neither the live code nor the reset link it carries', async () => {
    await gw.running.delivery.stop();
    const code = await storage.db.transaction((tx) => issueRecoveryCode(tx, { serverSecret: TEST_SECRET, userId, requestId: null, issuedBy: null, now: clock.now(), ttlMs: 3_600_000 }));
    const token = await storage.db.transaction((tx) => issuePasswordLink(tx, { userId, purpose: 'password_reset', ttlMs: 3_600_000, now: clock.now() }));
    const id = await storage.db.transaction(async (tx) => {
      await enqueueEmail(tx, TEST_SECRET, { kind: 'recovery_code', to: EMAIL, userId, email: recoveryCodeEmail({ name: 'V', code: code.code, ttlMinutes: 60, link: 'https://id.example.org/.recourse/2fa/recovery-code' }) }, clock.now());
      return enqueueEmail(tx, TEST_SECRET, { kind: 'access_email', to: EMAIL, userId, email: accessEmail({ name: 'V', link: `${gw.url}${P}/password/reset?token=${token}`, ttlMinutes: 60 }) }, clock.now());
    });
    const waiting = await dumpTable(storage.db, 'outbox');
    expect(waiting.find((row) => row.id === id)).toMatchObject({ status: 'pending' });
    const dump = JSON.stringify(waiting);
    for (const secret of [code.code, code.code.replaceAll('-', ''), token]) expect(occurs(dump, secret), secret).toBe(false);
  });

  it('no log line at trace level contains one', () => {
    expect(logs.lines.length).toBeGreaterThan(5);
    const leaks = logs.lines.flatMap((line, i) => findSecrets(line).map((name) => `line ${i}: ${name}`));
    expect(leaks).toEqual([]);
  });
});
