import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAssistanceRequestByReference } from '../../db/queries/assistance.js';
import { assistanceRequests, auditLog, users } from '../../db/schema/index.js';
import { TestClient } from '../support/client.js';
import { GEOIP_ANONYMOUS_DB, GEOIP_ASN_DB, GEOIP_CITY_DB } from '../support/geoip.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';

const P = '/.recourse';
const REFERENCE = /AR-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}/;

let storage: Awaited<ReturnType<typeof openTestStorage>>;
// Behind a trusted proxy on loopback, so each test picks its client IP with X-Forwarded-For.
let gw: TestGateway;
// No trusted proxy: X-Forwarded-For must be ignored.
let direct: TestGateway;
const ids: Record<string, string> = {};

const policy = {
  access: { default: 'one_factor' },
  recovery: { assistance: { types: ['lost_2fa', 'forgot_password', 'other'], suspicious: { window: '1h', per_account: 2, per_network: 3 } } },
  rate_limits: { assistance: { per_ip: '3/1h', per_email: '2/1h' } },
};

beforeAll(async () => {
  storage = await openTestStorage();
  const geoip = { city_db: GEOIP_CITY_DB, asn_db: GEOIP_ASN_DB, anonymous_db: GEOIP_ANONYMOUS_DB };
  gw = await startTestGateway({ storage, policy, config: { server: { trust_proxy: ['127.0.0.1/32'] }, geoip } });
  direct = await startTestGateway({ storage, config: { geoip } });
  for (const name of ['alice', 'bob', 'carol', 'dave', 'erin']) {
    ids[name] = await gw.addUser({ email: `${name}@example.com`, name });
  }
  await storage.db.update(users).set({ active: false }).where(eq(users.id, ids.erin!));
});
afterAll(async () => {
  await direct?.close();
  await gw?.close();
  await storage?.close();
});

async function submit(target: TestGateway, fields: Record<string, string>, forwardedFor?: string) {
  const client = new TestClient(target.url);
  await client.page(`${P}/assist`);
  const res = await client.postForm(`${P}/assist`, { type: 'lost_2fa', message: '', ...fields }, forwardedFor ? { 'x-forwarded-for': forwardedFor } : {});
  const html = await res.text();
  // The account work follows the answer (SECURITY A1): wait for the worker before reading the record.
  await target.running.assistance.poke();
  return { res, html, reference: REFERENCE.exec(html)?.[0] };
}

async function record(reference: string | undefined) {
  expect(reference).toBeDefined();
  const row = await findAssistanceRequestByReference(storage.db, reference!);
  expect(row).toBeDefined();
  return row!;
}

describe('the assistance form', () => {
  it('offers the types the policy allows, with a CSRF field, and is linked from the login page', async () => {
    const client = new TestClient(gw.url);
    const { res, html } = await client.page(`${P}/assist`);
    expect(res.status).toBe(200);
    expect(html).toContain('name="_csrf"');
    expect([...html.matchAll(/<option value="([^"]+)"/g)].map((m) => m[1])).toEqual(['lost_2fa', 'forgot_password', 'other']);
    expect((await client.page(`${P}/login`)).html).toContain(`formaction="${P}/assist/from-sign-in"`);
  });

  it('answers a reference AR-XXXX-XXXX and stores the request with the resolved account', async () => {
    const before = await storage.db.select().from(users).where(eq(users.id, ids.alice!));
    const { res, html, reference } = await submit(gw, { email: 'Alice@Example.com', type: 'forgot_password', message: 'New phone.\r\nPlease help.' }, '198.51.100.10');
    expect(res.status).toBe(200);
    expect(html).toContain('Request received');
    expect(reference).toMatch(/^AR-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    const row = await record(reference);
    expect(row).toMatchObject({
      submittedEmail: 'Alice@Example.com', userId: ids.alice, type: 'forgot_password', message: 'New phone.\nPlease help.',
      ip: '198.51.100.10', location: 'unknown', network: 'unknown', status: 'pending', delivery: 'pending', flags: [],
    });
    // SECURITY A2: the request changes nothing on the account.
    expect(await storage.db.select().from(users).where(eq(users.id, ids.alice!))).toEqual(before);
    const audit = await storage.db.select().from(auditLog).where(and(eq(auditLog.event, 'assistance.submitted'), eq(auditLog.userId, ids.alice!)));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ ip: '198.51.100.10', location: 'unknown', details: { reference, matched: true } });
    const notified = await storage.db.select().from(auditLog).where(eq(auditLog.event, 'assistance.notified'));
    expect(notified.some((r) => r.details.reference === reference && Array.isArray(r.details.admins))).toBe(true);
  });

  it('keeps a request whose email matches no account, and one for an inactive account', async () => {
    const unknown = await submit(gw, { email: 'nobody@example.com' }, '198.51.100.11');
    expect(unknown.res.status).toBe(200);
    expect(await record(unknown.reference)).toMatchObject({ submittedEmail: 'nobody@example.com', userId: null, status: 'pending' });
    const inactive = await submit(gw, { email: 'erin@example.com' }, '198.51.100.11');
    expect(inactive.res.status).toBe(200);
    expect((await record(inactive.reference)).userId).toBe(ids.erin);
    expect((await storage.db.select().from(users).where(eq(users.id, ids.erin!)))[0]!.active).toBe(false);
  });

  it('refuses malformed input with 400 and a message, storing nothing', async () => {
    const count = async () => (await storage.db.select().from(assistanceRequests)).length;
    const before = await count();
    const badEmail = await submit(gw, { email: 'not an email' }, '198.51.100.12');
    expect(badEmail.res.status).toBe(400);
    expect(badEmail.html).toContain('Enter the email address of your account.');
    const injected = await submit(gw, { email: 'alice@example.com\r\nBcc: evil@example.com' }, '198.51.100.12');
    expect(injected.res.status).toBe(400);
    const badType = await submit(gw, { email: 'alice@example.com', type: 'locked_out' }, '198.51.100.12');
    expect(badType.res.status).toBe(400);
    expect(badType.html).toContain('Choose what happened.');
    const long = await submit(gw, { email: 'alice@example.com', message: 'x'.repeat(2001) }, '198.51.100.12');
    expect(long.res.status).toBe(400);
    expect(long.html).toContain('under 2000 characters');
    // User text comes back escaped.
    const xss = await submit(gw, { email: '<b>@x', message: '<script>alert(1)</script>' }, '198.51.100.12');
    expect(xss.res.status).toBe(400);
    expect(xss.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(xss.html).not.toContain('<script>alert(1)');
    expect(await count()).toBe(before);
  });
});

describe('rate limits (SECURITY A2)', () => {
  it('limits per IP with 429 and the same page for an existing and an unknown email', async () => {
    const ip = '198.51.100.20';
    for (const email of ['bob@example.com', 'x1@example.com', 'x2@example.com']) {
      expect((await submit(gw, { email }, ip)).res.status).toBe(200);
    }
    const existing = await submit(gw, { email: 'carol@example.com' }, ip);
    const unknown = await submit(gw, { email: 'x3@example.com' }, ip);
    for (const answer of [existing, unknown]) {
      expect(answer.res.status).toBe(429);
      expect(answer.html).toMatch(/Too many requests\. Try again in \d+ (minutes?|hours?)\./);
      expect(answer.reference).toBeUndefined();
    }
    expect(stripCsrf(existing.html)).toBe(stripCsrf(unknown.html));
    expect(existing.res.headers.get('retry-after')).toMatch(/^\d+$/);
    const stored = await storage.db.select().from(assistanceRequests).where(eq(assistanceRequests.ip, ip));
    expect(stored).toHaveLength(3);
  });

  it('limits per email, case-insensitively, whether or not an account has it', async () => {
    const answers = async (email: string, base: number) => {
      const statuses: number[] = [];
      let last = '';
      for (let i = 0; i < 3; i++) {
        const { res, html } = await submit(gw, { email: i === 1 ? email.toUpperCase() : email }, `198.51.100.${base + i}`);
        statuses.push(res.status);
        last = html;
      }
      return { statuses, last };
    };
    const existing = await answers('dave@example.com', 30);
    const unknown = await answers('ghost@example.com', 40);
    expect(existing.statuses).toEqual([200, 200, 429]);
    expect(unknown.statuses).toEqual([200, 200, 429]);
    expect(existing.last).toMatch(/Too many requests\. Try again in \d+ (minutes?|hours?)\./);
    expect(stripCsrf(existing.last)).toBe(stripCsrf(unknown.last));
  });
});

describe('request context', () => {
  it('locates the client behind a trusted proxy with the GeoIP databases', async () => {
    const row = await record((await submit(gw, { email: 'geo1@example.com' }, '89.160.20.112')).reference);
    expect(row).toMatchObject({ ip: '89.160.20.112', location: 'Linköping, SE', network: 'AS29518 Bredband2 AB' });
    expect(row.context).toMatchObject({ country: 'SE', asn: 29518, networkKey: 'AS29518', ipSeenBefore: false });
  });

  it('says unknown for an address the databases do not know', async () => {
    const row = await record((await submit(gw, { email: 'geo2@example.com' }, '10.0.0.1')).reference);
    expect(row).toMatchObject({ ip: '10.0.0.1', location: 'unknown', network: 'unknown' });
  });

  it('ignores X-Forwarded-For without a trusted proxy and uses the socket address', async () => {
    const row = await record((await submit(direct, { email: 'geo3@example.com' }, '89.160.20.112')).reference);
    expect(row).toMatchObject({ ip: '127.0.0.1', location: 'unknown', network: 'unknown' });
  });
});

describe('suspicious patterns', () => {
  it('flags repeated requests for one account within the window', async () => {
    const first = await record((await submit(gw, { email: 'carol@example.com' }, '198.51.100.50')).reference);
    const second = await record((await submit(gw, { email: 'CAROL@example.com' }, '198.51.100.51')).reference);
    expect(first.flags).toEqual([]);
    expect(second.flags).toEqual(['repeated_account']);
    expect(second.context.findings).toEqual(['2 requests for this account within 1 hour']);
  });

  it('flags repeated requests from one network (AS209) across addresses', async () => {
    const flags: string[][] = [];
    for (const [i, ip] of ['216.160.83.56', '216.160.83.57', '216.160.70.1'].entries()) {
      flags.push((await record((await submit(gw, { email: `net${i}@example.com` }, ip)).reference)).flags);
    }
    expect(flags).toEqual([[], [], ['repeated_network']]);
  });

  it('flags a request from an anonymising network', async () => {
    const row = await record((await submit(gw, { email: 'anon@example.com' }, '81.2.69.142')).reference);
    expect(row.flags).toEqual(['anonymous_network']);
    expect(row.location).toBe('London, GB');
    expect(row.context).toMatchObject({ anonymous: { tor: true, vpn: true, any: true } });
    expect(String((row.context.findings as string[])[0])).toContain('Tor exit node');
  });
});

describe('policy switch', () => {
  it('answers 404 to the form and to submissions when the policy turns assistance off', async () => {
    direct.writePolicy({ access: { default: 'one_factor' }, recovery: { assistance: { enabled: false } } });
    const client = new TestClient(direct.url);
    let page = await client.page(`${P}/assist`);
    for (let i = 0; i < 50 && page.res.status !== 404; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      page = await client.page(`${P}/assist`);
    }
    expect(page.res.status).toBe(404);
    const before = (await storage.db.select().from(assistanceRequests)).length;
    const res = await client.postForm(`${P}/assist`, { email: 'alice@example.com', type: 'lost_2fa', message: '' });
    expect(res.status).toBe(404);
    expect((await storage.db.select().from(assistanceRequests)).length).toBe(before);
  });
});

function stripCsrf(html: string): string {
  return html.replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf" value=""');
}
