import { and, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertBackupCodeSet } from '../../db/queries/backup-codes.js';
import { auditLog, backupCodes, outbox } from '../../db/schema/index.js';
import { hashBackupCode } from '../../gateway/factors/backup-codes.js';
import { BackupCodesPanel } from '../../views/components/backup-codes-panel.js';
import { LowCodesNotice } from '../../views/components/low-codes-notice.js';
import { TestClient } from '../support/client.js';
import { FixedClock, startTestGateway, TEST_SECRET, type TestGateway } from '../support/gateway.js';
import { stepUpClient } from '../support/step-up.js';
import { openTestStorage } from '../support/storage.js';
import { deliveredEmail, deliveredEmails } from '../support/mailbox.js';

const P = '/.recourse';
const PASSWORD = 'correct horse battery';
const clock = new FixedClock('2026-03-01T09:00:00Z');
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let gw: TestGateway;
const ids: Record<string, string> = {};

beforeAll(async () => {
  storage = await openTestStorage();
  gw = await startTestGateway({ storage, clock });
  for (const [key, input] of Object.entries({
    alice: { email: 'alice@example.com', name: 'Alice' },
    bob: { email: 'bob@example.com', name: 'Bob' },
    carol: { email: 'carol@example.com', name: 'Carol' },
    dave: { email: 'dave@example.com', name: 'Dave' },
    erin: { email: 'erin@example.com', name: 'Erin' },
    cust: { email: 'cust@example.com', name: 'Cust', type: 'customer' as const },
    emp: { email: 'emp@example.com', name: 'Emp', type: 'employee' as const },
  })) ids[key] = await gw.addUser({ ...input, password: PASSWORD });
});
afterAll(async () => {
  await gw?.close();
  await storage?.close();
});

async function signedIn(email: string): Promise<TestClient> {
  const client = new TestClient(gw.url);
  const res = await client.signIn(email, PASSWORD);
  expect(res.status).toBe(303);
  return client;
}

/** A session that has just passed its second factor. */
async function fullySignedIn(email: string): Promise<TestClient> {
  const client = await signedIn(email);
  await stepUpClient(gw, client);
  return client;
}

async function regenerate(client: TestClient): Promise<Response> {
  await client.page(`${P}/login`); // any page carries the browser's CSRF token
  return client.postForm(`${P}/backup-codes/regenerate`, {});
}

function codesOn(html: string): string[] {
  const list = /<div[^>]*id="backup-code-list"[^>]*>([\s\S]*?)<\/div>/.exec(html)?.[1] ?? '';
  return [...list.matchAll(/<span role="listitem">([^<]+)<\/span>/g)].map((m) => m[1]!);
}

/** Generates a set through the pages and returns it as shown. */
async function newCodes(client: TestClient): Promise<string[]> {
  const res = await regenerate(client);
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toBe(`${P}/backup-codes`);
  const { res: shown, html } = await client.page(`${P}/backup-codes`);
  expect(shown.status).toBe(200);
  return codesOn(html);
}

async function submitCode(client: TestClient, code: string, rd = '/'): Promise<Response> {
  const { res } = await client.page(`${P}/2fa/backup-code?rd=${encodeURIComponent(rd)}`);
  expect(res.status).toBe(200);
  return client.postForm(`${P}/2fa/backup-code`, { code, rd });
}

const unusedOf = async (userId: string) =>
  (await storage.db.select().from(backupCodes).where(and(eq(backupCodes.userId, userId), isNull(backupCodes.usedAt), isNull(backupCodes.voidedAt)))).length;

const auditOf = (userId: string, event: string) =>
  storage.db.select().from(auditLog).where(and(eq(auditLog.userId, userId), eq(auditLog.event, event)));

describe('generation and the once-only display', () => {
  it('shows a new set once, as XXXX-XXXX with a .txt download and a print button; a second visit shows none', async () => {
    const client = await fullySignedIn('alice@example.com');
    const res = await regenerate(client);
    expect(res.status).toBe(303);
    const { html } = await client.page(`${P}/backup-codes`);
    const codes = codesOn(html);
    expect(codes).toHaveLength(10);
    for (const code of codes) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    const download = /<a[^>]*download="[^"]+"[^>]*href="(data:text\/plain;charset=utf-8,[^"]+)"/.exec(html)?.[1];
    expect(download).toBeDefined();
    expect(decodeURIComponent(download!.replace('data:text/plain;charset=utf-8,', ''))).toContain(codes[0]!);
    expect(html).toContain('data-print');
    expect(html).toContain(`src="${P}/static/print.js"`);
    expect((await fetch(`${gw.url}${P}/static/print.js`)).status).toBe(200);

    const again = await client.page(`${P}/backup-codes`);
    expect(again.res.status).toBe(200);
    expect(codesOn(again.html)).toEqual([]);
    for (const code of codes) expect(again.html).not.toContain(code);
    expect(again.html).toContain('10 backup codes left');
    expect(again.html).toContain(`action="${P}/backup-codes/regenerate"`);

    const [generated] = await auditOf(ids.alice!, 'backup_codes.generated');
    expect(generated?.details).toMatchObject({ count: 10 });
    expect(generated?.ip).toBeTruthy();
  });

  it('sends a password-only session to the second factor and an anonymous one to sign in', async () => {
    const client = await signedIn('alice@example.com');
    const res = await client.request(`${P}/backup-codes`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${P}/2fa?rd=${encodeURIComponent(`${P}/backup-codes`)}`);
    const anonymous = await new TestClient(gw.url).request(`${P}/backup-codes`);
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toMatch(new RegExp(`^${P}/login\\?rd=`));
  });

  it('regenerating voids the old set', async () => {
    const client = await fullySignedIn('bob@example.com');
    const first = await newCodes(client);
    const second = await newCodes(client);
    expect(second).toHaveLength(10);
    expect(second).not.toContain(first[0]);
    expect(await unusedOf(ids.bob!)).toBe(10);

    const signer = await signedIn('bob@example.com');
    expect((await submitCode(signer, first[0]!)).status).toBe(401);
    expect((await submitCode(signer, second[0]!)).status).toBe(303);
  });

  it('refuses to regenerate without a second factor in the last 10 minutes', async () => {
    const client = await fullySignedIn('carol@example.com');
    const codes = await newCodes(client);
    clock.advance(11 * 60_000);
    const stale = await regenerate(client);
    expect(stale.status).toBe(403);
    const page = await stale.text();
    expect(page).toContain('confirm with your second factor');
    expect(page).toContain(`href="${P}/2fa?rd=${encodeURIComponent(`${P}/account`)}`);
    // Password only: on to the second factor first (routes/guards/session.tsx).
    const passwordOnly = await regenerate(await signedIn('carol@example.com'));
    expect(passwordOnly.status).toBe(303);
    expect(passwordOnly.headers.get('location')).toBe(`${P}/2fa?rd=${encodeURIComponent(`${P}/account`)}`);
    // The old set is untouched.
    expect(await unusedOf(ids.carol!)).toBe(10);
    expect((await submitCode(await signedIn('carol@example.com'), codes[0]!)).status).toBe(303);
    expect(await auditOf(ids.carol!, 'backup_codes.generated')).toHaveLength(1);
  });
});

describe('signing in with a backup code', () => {
  it('steps the session up, audits the use, and emails the user the count (never the code)', async () => {
    const setup = await fullySignedIn('dave@example.com');
    const codes = await newCodes(setup);
    const client = await signedIn('dave@example.com');
    const before = client.cookies.get('recourse_session');
    const rd = `${gw.url}/reports`;
    const form = await client.page(`${P}/2fa/backup-code?rd=${encodeURIComponent(rd)}`);
    expect(form.html).toContain('name="code"');
    expect(form.html).toContain(`value="${rd}"`);
    // Lower case, spaces instead of the dash, stray spaces around: all ignored.
    const typed = ` ${codes[3]!.toLowerCase().replace('-', '  ')} `;
    const res = await client.postForm(`${P}/2fa/backup-code`, { code: typed, rd });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(rd);
    const after = client.cookies.get('recourse_session');
    expect(after).not.toBe(before); // SECURITY S1
    const view = await gw.running.sessions.resolve(after);
    expect(view?.authLevel).toBe(2);
    expect(await gw.running.sessions.resolve(before)).toBeNull();

    const [used] = await auditOf(ids.dave!, 'backup_code.used');
    expect(used?.details).toMatchObject({ codes_left: 9 });
    const [succeeded] = await auditOf(ids.dave!, 'second_factor.succeeded');
    expect(succeeded?.details).toMatchObject({ method: 'backup_code' });
    const audits = JSON.stringify(await storage.db.select().from(auditLog));
    for (const code of codes) expect(audits).not.toContain(code.replace('-', ''));

    const mail = await deliveredEmail(gw, and(eq(outbox.userId, ids.dave!), eq(outbox.kind, 'backup_code_used')));
    expect(mail.to).toBe('dave@example.com');
    expect(mail?.subject).toContain('9 left');
    expect(mail?.text).toContain('9 unused backup codes');
    for (const code of codes) {
      expect(`${mail?.subject}${mail?.text}${mail?.html}`).not.toContain(code);
      expect(`${mail?.subject}${mail?.text}${mail?.html}`).not.toContain(code.replace('-', ''));
    }

    // The same code again, from a new password-only session: refused.
    const replay = await submitCode(await signedIn('dave@example.com'), codes[3]!);
    expect(replay.status).toBe(401);
  });

  it('refuses a wrong code with a generic message and audits the failure', async () => {
    const client = await signedIn('alice@example.com');
    const res = await submitCode(client, 'ZZZZ-ZZZZ');
    expect(res.status).toBe(401);
    const html = await res.text();
    expect(html).toContain('That code did not work');
    expect(html).toContain('name="code"');
    const malformed = await submitCode(client, 'not-a-code!');
    expect(malformed.status).toBe(401);
    expect(await malformed.text()).toContain('That code did not work');
    const failures = await auditOf(ids.alice!, 'second_factor.failed');
    expect(failures.map((f) => f.details)).toEqual(expect.arrayContaining([
      expect.objectContaining({ method: 'backup_code', reason: 'invalid' }),
      expect.objectContaining({ method: 'backup_code', reason: 'malformed' }),
    ]));
    expect((await gw.running.sessions.resolve(client.cookies.get('recourse_session')))?.authLevel).toBe(1);
  });

  it('blocks the account after too many failures (SECURITY B5), even for a valid code', async () => {
    const [code] = await newCodes(await fullySignedIn('erin@example.com'));
    gw.writePolicy({ access: { default: 'one_factor' }, rate_limits: { second_factor: { max_failures: 3 } } });
    await gw.running.policies.reload();
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await submitCode(await signedIn('erin@example.com'), 'ZZZZ-ZZZZ')).status);
      expect(statuses).toEqual([401, 401, 429]);
      const blocked = await submitCode(await signedIn('erin@example.com'), code!);
      expect(blocked.status).toBe(429);
      expect(await blocked.text()).toContain('Too many attempts');
      expect(await unusedOf(ids.erin!)).toBe(10);
    } finally {
      gw.writePolicy({ access: { default: 'one_factor' } });
      await gw.running.policies.reload();
    }
  });

  it('reads Crockford look-alikes: O as 0, I and L as 1', async () => {
    await insertBackupCodeSet(storage.db, {
      userId: ids.emp!, setId: crypto.randomUUID(), now: clock.now(), codeHashes: [hashBackupCode(TEST_SECRET, ids.emp!, '0110ABCD')],
    });
    const res = await submitCode(await signedIn('emp@example.com'), 'oIl0-aBcD');
    expect(res.status).toBe(303);
  });

  it('sends an anonymous visitor to sign in', async () => {
    const res = await new TestClient(gw.url).request(`${P}/2fa/backup-code`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(new RegExp(`^${P}/login`));
  });
});

describe('policy: which roles may hold and use codes', () => {
  it('a role left out neither sees the form nor spends an old code', async () => {
    const setup = await fullySignedIn('cust@example.com');
    const [code] = await newCodes(setup);
    gw.writePolicy({ access: { default: 'one_factor' }, factors: { backup_codes: { roles: ['employee'] } } });
    await gw.running.policies.reload();
    try {
      const client = await signedIn('cust@example.com');
      const form = await client.request(`${P}/2fa/backup-code`);
      expect(form.status).toBe(404);
      expect(await form.text()).toContain('Backup codes are not available for your account');
      await client.page(`${P}/login`);
      const res = await client.postForm(`${P}/2fa/backup-code`, { code: code!, rd: '/' });
      expect(res.status).toBe(404);
      expect(await unusedOf(ids.cust!)).toBe(10);
      expect((await gw.running.sessions.resolve(client.cookies.get('recourse_session')))?.authLevel).toBe(1);
      // An employee still may.
      expect((await (await signedIn('emp@example.com')).request(`${P}/2fa/backup-code`)).status).toBe(200);
    } finally {
      gw.writePolicy({ access: { default: 'one_factor' } });
      await gw.running.policies.reload();
    }
    expect((await submitCode(await signedIn('cust@example.com'), code!)).status).toBe(303);
  });
});

describe('running low', () => {
  it('LowCodesNotice shows at or below the threshold only', () => {
    const at = (codesLeft: number) => String(LowCodesNotice({ prefix: P, codesLeft, lowThreshold: 3 }) ?? '');
    expect(at(4)).toBe('');
    expect(at(3)).toContain('You have 3 backup codes left.');
    expect(at(3)).toContain(`href="${P}/account"`);
    expect(at(1)).toContain('You have 1 backup code left.');
    expect(at(0)).toContain('You have no backup codes left.');
  });

  it('BackupCodesPanel says how many are left, warns when low, and offers Regenerate', () => {
    const panel = (codesLeft: number) => String(BackupCodesPanel({ prefix: P, csrfToken: 't0k', codesLeft, lowThreshold: 3 }));
    expect(panel(7)).toContain('7 backup codes left');
    expect(panel(7)).not.toContain('class="warning"');
    expect(panel(2)).toContain('class="warning"');
    expect(panel(2)).toContain(`action="${P}/backup-codes/regenerate"`);
    expect(panel(2)).toContain('name="_csrf" value="t0k"');
  });

  it('the backup-codes page warns once the user is down to the threshold', async () => {
    const client = await fullySignedIn('alice@example.com');
    const codes = await newCodes(client);
    for (const code of codes.slice(0, 7)) expect((await submitCode(await signedIn('alice@example.com'), code)).status).toBe(303);
    await stepUpClient(gw, client);
    const { html } = await client.page(`${P}/backup-codes`);
    expect(html).toContain('3 backup codes left');
    expect(html).toContain('running low on backup codes');
    const [mail] = (await deliveredEmails(gw, and(eq(outbox.userId, ids.alice!), eq(outbox.kind, 'backup_code_used')), { atLeast: 7 }))
      .filter((m) => m.subject.includes('3 left'));
    expect(mail).toBeDefined();
  });
});

describe('admin statistics (Europe/Berlin, fixed clock at day and month boundaries)', () => {
  const statsClock = new FixedClock('2026-03-15T23:30:00Z'); // Monday 16 March, 00:30 in Berlin
  let statsStorage: Awaited<ReturnType<typeof openTestStorage>>;
  let sgw: TestGateway;
  const holder: Record<string, string> = {};

  async function seedCodes(userId: string, rows: Array<{ usedAt?: string; voided?: boolean }>): Promise<void> {
    const setId = crypto.randomUUID();
    await statsStorage.db.insert(backupCodes).values(rows.map((row) => ({
      id: crypto.randomUUID(), userId, setId, codeHash: crypto.randomUUID(), createdAt: new Date('2026-02-01T00:00:00Z'),
      usedAt: row.usedAt ? new Date(row.usedAt) : null, voidedAt: row.voided ? new Date('2026-02-02T00:00:00Z') : null,
    })));
  }
  const unused = (n: number) => Array.from({ length: n }, () => ({}));

  beforeAll(async () => {
    statsStorage = await openTestStorage();
    sgw = await startTestGateway({ storage: statsStorage, clock: statsClock, config: { server: { time_zone: 'Europe/Berlin' } } });
    holder.admin = await sgw.addUser({ email: 'admin@example.com', password: PASSWORD, role: 'admin', name: 'Ada Admin' });
    holder.plain = await sgw.addUser({ email: 'plain@example.com', password: PASSWORD });
    holder.full = await sgw.addUser({ email: 'full@example.com', name: 'Full', password: PASSWORD });
    holder.low3 = await sgw.addUser({ email: 'low3@example.com', name: 'Lowthree' });
    holder.low1 = await sgw.addUser({ email: 'low1@example.com', name: 'Lowone' });
    holder.none = await sgw.addUser({ email: 'none@example.com' });
    holder.four = await sgw.addUser({ email: 'four@example.com' });
    await seedCodes(holder.full, unused(10));
    await seedCodes(holder.low3, [
      ...unused(3),
      { usedAt: '2026-03-15T23:10:00Z' }, // A: 00:10 on 16 March in Berlin — today
      { usedAt: '2026-03-15T22:50:00Z' }, // B: 23:50 on 15 March in Berlin — this month, not today (UTC would say today)
      { usedAt: '2026-03-01T00:00:00Z' }, // C: 01:00 on 1 March — this month
      { usedAt: '2026-02-28T23:10:00Z' }, // D: 00:10 on 1 March in Berlin — this month (UTC would say February)
    ]);
    await seedCodes(holder.low1, [...unused(1), { voided: true }, { voided: true }, { usedAt: '2026-02-28T22:50:00Z' } /* E: February in Berlin */]);
    await seedCodes(holder.none, [{ voided: true }, { usedAt: '2026-02-10T10:00:00Z' } /* F */]);
    await seedCodes(holder.four, unused(4));
  });
  afterAll(async () => {
    await sgw?.close();
    await statsStorage?.close();
  });

  async function sgwSignedIn(email: string, level: 1 | 2): Promise<TestClient> {
    const client = new TestClient(sgw.url);
    expect((await client.signIn(email, PASSWORD)).status).toBe(303);
    if (level === 2) await stepUpClient(sgw, client);
    return client;
  }

  it('answers the four numbers in the configured time zone (day boundary)', async () => {
    const admin = await sgwSignedIn('admin@example.com', 2);
    const res = await admin.request(`${P}/api/v1/backup-codes/stats`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ users_with_codes: 4, low_on_codes: 2, used_today: 1, used_this_month: 4 });
    const { res: page, html } = await admin.page(`${P}/admin/backup-codes`);
    expect(page.status).toBe(200);
    const stat = (name: string) => new RegExp(`data-stat="${name}"><strong>(\\d+)</strong>`).exec(html)?.[1];
    expect([stat('users_with_codes'), stat('low_on_codes'), stat('used_today'), stat('used_this_month')]).toEqual(['4', '2', '1', '4']);
  });

  it('moves "today" and "this month" at the local month boundary', async () => {
    await seedCodes(holder.full!, [
      { usedAt: '2026-03-31T22:10:00Z' }, // H: 00:10 on 1 April in Berlin (CEST)
      { usedAt: '2026-03-31T21:50:00Z' }, // I: 23:50 on 31 March in Berlin
    ]);
    statsClock.set('2026-03-31T22:30:00Z'); // 00:30 on 1 April in Berlin
    const admin = await sgwSignedIn('admin@example.com', 2);
    const res = await admin.request(`${P}/api/v1/backup-codes/stats`);
    expect(await res.json()).toEqual({ users_with_codes: 4, low_on_codes: 2, used_today: 1, used_this_month: 1 });
  });

  it('lists the holders fewest codes first, with role, codes left and last use; the table refreshes as a fragment', async () => {
    const admin = await sgwSignedIn('admin@example.com', 2);
    const { html } = await admin.page(`${P}/admin/backup-codes`);
    const order = [...html.matchAll(/<tr data-user="([^"]+)">/g)].map((m) => m[1]);
    expect(order).toEqual([holder.low1, holder.low3, holder.four, holder.full]);
    expect(html).toContain('low3@example.com');
    expect(html).toContain('Lowthree');
    expect(html).not.toContain('none@example.com');
    expect(html).toMatch(/hx-get="\/\.recourse\/admin\/backup-codes\/table"/);
    expect(html).toMatch(/<a class="button secondary" href="\/\.recourse\/admin\/backup-codes"/);
    expect(html).toContain('16 Mar 2026, 00:10'); // low3's last use, shown in Berlin time

    const fragment = await admin.request(`${P}/admin/backup-codes/table`, { headers: { 'hx-request': 'true' } });
    expect(fragment.status).toBe(200);
    const text = await fragment.text();
    expect(text).not.toContain('<html');
    expect(text).toMatch(/^<section id="backup-code-holders">/);
    expect(text).toContain('full@example.com');
  });

  it('pages the list 50 at a time', async () => {
    for (let i = 0; i < 55; i++) {
      const id = await sgw.addUser({ email: `bulk${String(i).padStart(2, '0')}@example.com` });
      await seedCodes(id, unused(8));
    }
    const admin = await sgwSignedIn('admin@example.com', 2);
    const first = await admin.page(`${P}/admin/backup-codes`);
    expect([...first.html.matchAll(/<tr data-user=/g)]).toHaveLength(50);
    expect(first.html).toContain(`href="${P}/admin/backup-codes?page=2"`);
    const second = await admin.page(`${P}/admin/backup-codes?page=2`);
    expect([...second.html.matchAll(/<tr data-user=/g)]).toHaveLength(59 - 50);
    expect(second.html).not.toContain('?page=3');
  });

  it('refuses non-admins, admins without their second factor, and anonymous callers', async () => {
    const anonymous = new TestClient(sgw.url);
    const api = await anonymous.request(`${P}/api/v1/backup-codes/stats`);
    expect(api.status).toBe(401);
    expect((await api.json()).error.code).toBe('unauthenticated');
    const page = await anonymous.request(`${P}/admin/backup-codes`);
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toMatch(new RegExp(`^${P}/login\\?rd=`));

    const user = await sgwSignedIn('plain@example.com', 2);
    const forbidden = await user.request(`${P}/api/v1/backup-codes/stats`);
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toEqual({ error: { code: 'forbidden', message: expect.any(String) } });
    expect((await user.request(`${P}/admin/backup-codes`)).status).toBe(403);
    expect((await user.request(`${P}/admin/backup-codes/table`)).status).toBe(403);

    const halfAdmin = await sgwSignedIn('admin@example.com', 1);
    // The API, like every /api/v1 call, treats a session without its second factor as no credential.
    expect((await halfAdmin.request(`${P}/api/v1/backup-codes/stats`)).status).toBe(401);
    // The page, like every dashboard page, sends it on to the second factor.
    const page2fa = await halfAdmin.request(`${P}/admin/backup-codes`);
    expect(page2fa.status).toBe(302);
    expect(page2fa.headers.get('location')).toBe(`${P}/2fa?rd=${encodeURIComponent(`${P}/admin/backup-codes`)}`);
  });
});
