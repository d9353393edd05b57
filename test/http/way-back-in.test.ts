// The user's way back in (issue 29 item 1, CONTRACT §8.4): the email typed on the sign-in page
// goes with "Can't sign in?" to the help form (never the password); the help form's confirmation
// says what happens next and how long it usually takes; a form whose CSRF token expired comes back
// with what was typed (a 403, never bare text), and the JSON API says so as `{error}`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from '../support/client.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';

const P = '/.recourse';
const SECRET_TYPED = 'my secret password 42';
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let gw: TestGateway;

beforeAll(async () => {
  storage = await openTestStorage();
  gw = await startTestGateway({ storage, policy: { recovery: { assistance: { usual_response: '4h' } } } });
});
afterAll(async () => {
  await gw?.close();
  await storage?.close();
});

async function browser(path = `${P}/login`): Promise<TestClient> {
  const client = new TestClient(gw.url);
  await client.page(path);
  return client;
}

describe('from the sign-in page to the help form', () => {
  it('"Can\'t sign in?" posts the sign-in form: the help form has the email, never the password', async () => {
    const client = await browser();
    const res = await client.postForm(`${P}/assist/from-sign-in`, { email: 'ann@example.com', password: SECRET_TYPED, rd: '/' });
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain('Ask for help signing in');
    expect(html).toMatch(/id="email"[^>]*value="ann@example\.com"/);
    expect(html).not.toContain(SECRET_TYPED);
  });

  it('the confirmation says what happens next and how long it usually takes', async () => {
    const client = await browser(`${P}/assist`);
    const res = await client.postForm(`${P}/assist`, { email: 'ann@example.com', type: 'lost_2fa', message: '' });
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain('What happens next');
    expect(html).toContain('usually within 4 hours');
  });
});

describe('a form whose CSRF token expired', () => {
  it('the sign-in form comes back with the email typed, not the password, as a 403 page', async () => {
    const client = await browser();
    client.csrf = 'expired-token-from-an-old-page';
    const res = await client.postForm(`${P}/login`, { email: 'ann@example.com', password: SECRET_TYPED, rd: '/' });
    const html = await res.text();
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html).toContain('This form expired before it was sent');
    expect(html).toMatch(/id="email"[^>]*value="ann@example\.com"/);
    expect(html).not.toContain(SECRET_TYPED);
    // The page carries a fresh token: sending it again gets past the check (a wrong password now).
    const token = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    client.csrf = token;
    expect((await client.postForm(`${P}/login`, { email: 'ann@example.com', password: SECRET_TYPED, rd: '/' })).status).toBe(401);
  });

  it('the help form comes back with the email, the choice and the message', async () => {
    const client = await browser(`${P}/assist`);
    client.csrf = 'expired';
    const res = await client.postForm(`${P}/assist`, { email: 'bob@example.com', type: 'forgot_password', message: 'New phone since Monday' });
    const html = await res.text();
    expect(res.status).toBe(403);
    expect(html).toMatch(/id="email"[^>]*value="bob@example\.com"/);
    expect(html).toMatch(/<option value="forgot_password" selected/);
    expect(html).toContain('New phone since Monday');
  });

  it('any other form gets a page, not bare text', async () => {
    const client = await browser();
    client.csrf = 'expired';
    const res = await client.postForm(`${P}/logout`, {});
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('<h1>This form expired</h1>');
  });

  it('the JSON API answers {error: {code, message}}', async () => {
    const client = await browser();
    client.csrf = 'expired';
    const res = await client.postJson(`${P}/api/v1/requests/AR-0000-0000/cancel`, { reason: 'Other' });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: { code: 'form_expired', message: expect.stringContaining('expired') } });
  });

  it('in the reader\'s language: a German browser reads the expiry and the last-try warning in German', async () => {
    const client = new TestClient(gw.url, { 'accept-language': 'de-DE,de;q=0.9' });
    await client.page(`${P}/login`);
    const token = client.csrf;
    client.csrf = 'expired';
    const expired = await client.postForm(`${P}/login`, { email: 'ann@example.com', password: 'x', rd: '/' });
    expect(await expired.text()).toContain('Dieses Formular ist abgelaufen, bevor es gesendet wurde.');
    client.csrf = token;
    await client.postForm(`${P}/login`, { email: 'de-reader@example.com', password: 'wrong 1', rd: '/' });
    const second = await client.postForm(`${P}/login`, { email: 'de-reader@example.com', password: 'wrong 2', rd: '/' });
    expect(await second.text()).toContain('Ein weiterer Fehlversuch sperrt die Anmeldung für dieses Konto hier für 5 Minuten.');
  });

  it('a cross-site post is still refused by the Origin check, with nothing reflected', async () => {
    const client = await browser();
    const res = await client.postForm(`${P}/login`, { email: 'ann@example.com', password: 'x', rd: '/' }, { origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain('ann@example.com');
  });
});
