import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outbox, users } from '../../db/schema/index.js';
import { deliveredEmails } from '../support/mailbox.js';
import { stepUpClient } from '../support/step-up.js';
import { TestClient } from '../support/client.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';

const P = '/.recourse';
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let gw: TestGateway;

beforeAll(async () => {
  storage = await openTestStorage();
  gw = await startTestGateway({ storage, policy: { access: { default: 'one_factor', rules: [{ paths: ['/closed/**'], policy: 'deny' }] } } });
  await gw.addUser({ email: 'lena@example.com', password: 'correct horse battery', name: 'Lena' });
});
afterAll(async () => {
  await gw?.close();
  await storage?.close();
});

describe('page language (CONTRACT §8.4)', () => {
  it('follows Accept-Language: German for de-AT, English for a language Recourse lacks', async () => {
    const german = await new TestClient(gw.url).page(`${P}/login`, { 'accept-language': 'de-AT,de;q=0.9,en;q=0.5' });
    expect(german.html).toContain('<html lang="de">');
    expect(german.html).toContain('<h1>Anmelden</h1>');
    expect(german.res.headers.get('content-language')).toBe('de');
    const japanese = await new TestClient(gw.url).page(`${P}/login`, { 'accept-language': 'ja' });
    expect(japanese.html).toContain('<h1>Sign in</h1>');
  });

  it('the switcher keeps the choice in a cookie and returns to the page, over Accept-Language', async () => {
    const client = new TestClient(gw.url, { 'accept-language': 'de' });
    const { html } = await client.page(`${P}/login`);
    expect(html).toContain(`href="${P}/language?set=fr&amp;rd=${encodeURIComponent(`${P}/login`)}"`);
    const switched = await client.request(`${P}/language?set=fr&rd=${encodeURIComponent(`${P}/login?rd=%2Fx`)}`);
    expect(switched.status).toBe(303);
    expect(switched.headers.get('location')).toBe(`${P}/login?rd=%2Fx`);
    expect(client.cookies.get('recourse_lang')).toBe('fr');
    expect((await client.page(`${P}/login`)).html).toContain('<h1>Se connecter</h1>');
  });

  it('refuses a language it does not have, and never redirects off-site', async () => {
    const client = new TestClient(gw.url);
    expect((await client.request(`${P}/language?set=xx`)).status).toBe(400);
    const offsite = await client.request(`${P}/language?set=es&rd=${encodeURIComponent('https://evil.example/')}`);
    expect(offsite.headers.get('location')).toBe(`${P}/login`);
  });

  it('stores the language a user signs in with and switches to, for their emails', async () => {
    const client = new TestClient(gw.url, { 'accept-language': 'es' });
    await client.page(`${P}/login`);
    expect((await client.postForm(`${P}/login`, { email: 'lena@example.com', password: 'correct horse battery', rd: '/' })).status).toBe(303);
    const language = async () => (await storage.db.select({ language: users.language }).from(users).where(eq(users.email, 'lena@example.com')))[0]!.language;
    expect(await language()).toBe('es');
    await client.request(`${P}/language?set=de&rd=%2F`);
    expect(await language()).toBe('de');
  });

  it("the proxy's own pages (a denied app page) are in the reader's language too", async () => {
    const res = await new TestClient(gw.url).request('/closed/report', { headers: { 'accept-language': 'es' } });
    expect(res.status).toBe(403);
    const html = await res.text();
    expect(html).toContain('<html lang="es">');
    expect(html).toContain('Acceso denegado');
  });

  it('JSON messages the security-key script shows are in the reader language', async () => {
    const client = new TestClient(gw.url, { 'accept-language': 'de' });
    await client.page(`${P}/login`);
    const res = await client.request(`${P}/2fa/webauthn/options`, {
      method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', origin: gw.url, 'x-csrf-token': client.csrf }, body: '{}',
    });
    expect(res.status).toBe(401);
    expect((await res.json()).error).toEqual({ code: 'unauthenticated', message: 'Melden Sie sich zuerst an.' });
  });

  it("an email an administrator's action sends is in the language the user signed in with, not the administrator's", async () => {
    const marta = await gw.addUser({ email: 'marta@example.com', password: 'correct horse battery', name: 'Marta' });
    await gw.addUser({ email: 'boss@example.com', password: 'correct horse battery', name: 'Boss', role: 'super_admin' });
    const user = new TestClient(gw.url, { 'accept-language': 'es-ES' });
    await user.page(`${P}/login`);
    await user.postForm(`${P}/login`, { email: 'marta@example.com', password: 'correct horse battery', rd: '/' });
    const admin = new TestClient(gw.url, { 'accept-language': 'en' });
    await admin.signIn('boss@example.com', 'correct horse battery');
    await stepUpClient(gw, admin);
    await admin.page(`${P}/admin/users/${marta}`);
    expect((await admin.postForm(`${P}/admin/users/${marta}/end-sessions`, {})).status).toBe(303);
    const [notice] = await deliveredEmails(gw, eq(outbox.userId, marta));
    expect(notice!.subject).toBe('Recourse: se ha cerrado su sesión en todas partes');
    expect(notice!.text).toContain('Hola, Marta:');
  });

  it('a failed sign-in is answered in the page language', async () => {
    const client = new TestClient(gw.url, { 'accept-language': 'fr' });
    await client.page(`${P}/login`);
    const res = await client.postForm(`${P}/login`, { email: 'lena@example.com', password: 'wrong password', rd: '/' });
    expect(await res.text()).toContain('E-mail ou mot de passe incorrect.');
  });
});

describe('errors tied to their fields (WCAG 3.3.1)', () => {
  it('marks the fields a sign-in error is about as invalid and described by it', async () => {
    const client = new TestClient(gw.url);
    await client.page(`${P}/login`);
    const html = await (await client.postForm(`${P}/login`, { email: 'lena@example.com', password: 'wrong password', rd: '/' })).text();
    expect(html).toContain('<p class="error" role="alert" id="form-error">');
    expect(html).toMatch(/<input id="email"[^>]*aria-invalid="true"[^>]*aria-describedby="form-error"/);
    expect(html).toMatch(/<input id="password"[^>]*aria-invalid="true"/);
  });

  it('on the help form, only the field that is wrong', async () => {
    const client = new TestClient(gw.url);
    await client.page(`${P}/assist`);
    const html = await (await client.postForm(`${P}/assist`, { email: 'not an email', type: 'lost_2fa', message: '' })).text();
    expect(html).toMatch(/<input id="email"[^>]*aria-invalid="true"[^>]*aria-describedby="form-error"/);
    expect(html).not.toMatch(/<select id="type"[^>]*aria-invalid/);
    const fresh = await new TestClient(gw.url).page(`${P}/assist`);
    expect(fresh.html).not.toContain('aria-invalid');
  });
});
