// Attack: an attacker (or a broken client) throws thousands of malformed requests at every route —
// bodies over server.body_limit, oversized headers, invalid UTF-8, wrong content types, huge and
// negative numbers, missing and duplicated fields, JSON where forms are expected and forms where
// JSON is, garbage cookies and bearer tokens, and raw HTTP no client would send — hoping for a
// crash, a 5xx that leaks a stack, or a leak that grows memory until the process dies (ASVS 5.1,
// 13.1; SECURITY F1). The gateway must answer each with a 4xx and a message (2xx/3xx for harmless
// input), never 5xx, stay up, keep its memory flat, and enforce the body limit on its own routes.
import net from 'node:net';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productionNodeFlags } from '../../bench/production-flags.js';
import { generateTotpCode } from '../../gateway/security/totp.js';
import { TestClient } from '../support/client.js';
import { cleanUp, createDatabase, runCli, startServe, writeInstallFrom, type Install, type ServeChild } from '../integration/child.js';

const P = '/.recourse';
const SLOW = 300_000;
const TOTAL = 3_000;
const CONCURRENCY = 8;
const SEED = 0x5eed_f022;
const BODY_LIMIT = 64 * 1024;
const WARM_UP = 600;
// Generous: ~20 KB per request over the measured 2,400 would still pass; a real leak does not.
const RSS_GROWTH_LIMIT_MB = 50;
// V8 grows its heap lazily while memory is plentiful (RSS then climbs ~14 KB per request with no
// leak at all); a capped heap makes it collect, so growth means retained memory — or, for a leak,
// an out-of-memory exit. The gateway's live heap is ~40 MB. The young generation gets the image's
// size too (docker/Dockerfile; the one such flag NODE_OPTIONS takes): Node 24's default of
// 2 x 64 MB alone grew RSS past the bound.
const CHILD_HEAP_MB = 128;
const CHILD_YOUNG_GENERATION = productionNodeFlags('embedded').filter((flag) => flag.startsWith('--max-semi-space-size='));
const PASSWORD = 'fuzz user password 1';
const ADMIN_PASSWORD = 'fuzz admin password 1';
const SECRET = 'fuzz-secret-fuzz-secret-fuzz-secret-0123456789';
const UUID = '0b7a3c4e-1d2f-4a5b-8c9d-0e1f2a3b4c5d';

interface Route { method: string; path: string; body: 'form' | 'json' | 'none'; fields: string[] }
const form = (path: string, ...fields: string[]): Route => ({ method: 'POST', path, body: 'form', fields: ['_csrf', ...fields] });
const json = (path: string, ...fields: string[]): Route => ({ method: 'POST', path, body: 'json', fields });
const get = (path: string, ...fields: string[]): Route => ({ method: 'GET', path, body: 'none', fields });
// CONTRACT §4 and §5, plus the proxy path.
const ROUTES: Route[] = [
  get('/anything/on/the/app', 'q'), { method: 'POST', path: '/app/submit', body: 'form', fields: ['a', 'b'] },
  get(`${P}/login`, 'rd', 'notice'), form(`${P}/login`, 'email', 'password', 'rd'), get(`${P}/2fa`, 'rd', 'reason'),
  form(`${P}/2fa/totp`, 'code', 'rd'), json(`${P}/2fa/webauthn/options`), json(`${P}/2fa/webauthn/verify`, 'response', 'rd'),
  get(`${P}/2fa/backup-code`, 'rd'), form(`${P}/2fa/backup-code`, 'code', 'rd'), get(`${P}/2fa/email-otp`, 'rd'),
  form(`${P}/2fa/email-otp/send`, 'rd'), form(`${P}/2fa/email-otp`, 'code', 'rd'), get(`${P}/2fa/recovery-code`, 'rd'),
  form(`${P}/2fa/recovery-code`, 'code', 'rd'), get(`${P}/assist`), form(`${P}/assist`, 'email', 'type', 'message'),
  get(`${P}/enroll`, 'rd'), form(`${P}/enroll/totp`, 'code', 'factor', 'rd'), json(`${P}/enroll/webauthn/options`),
  json(`${P}/enroll/webauthn/verify`, 'response', 'name', 'rd'), get(`${P}/backup-codes`, 'rd'), form(`${P}/backup-codes/regenerate`),
  get(`${P}/password/reset`, 'token'), form(`${P}/password/reset`, 'token', 'password'), get(`${P}/account`),
  form(`${P}/account/webauthn/${UUID}/rename`, 'name'), form(`${P}/logout`), get(`${P}/verify`, 'rd'),
  get(`${P}/admin`), get(`${P}/admin/requests`, 'status', 'type', 'page', 'cursor'), get(`${P}/admin/requests/AR-ABCD-EFGH`),
  form(`${P}/admin/requests/AR-ABCD-EFGH/cancel`, 'reason'), get(`${P}/admin/users`, 'q', 'page'), get(`${P}/admin/users/${UUID}`),
  form(`${P}/admin/users/${UUID}/reset-2fa`, 'reason', 'details'), form(`${P}/admin/users/${UUID}/permissions`, 'data_protection_level', 'expert_mode'),
  get(`${P}/admin/backup-codes`, 'page'), get(`${P}/admin/audit`, 'event', 'user', 'since', 'cursor'), get(`${P}/admin/audit.csv`, 'since'),
  get(`${P}/admin/policies`), get(`${P}/healthz`), get(`${P}/readyz`), get(`${P}/metrics`), get(`${P}/static/style.css`),
  get(`${P}/api/v1/recovery-requests`, 'status', 'type', 'cursor'), json(`${P}/api/v1/recovery-requests/AR-ABCD-EFGH/generate-code`, 'delivery', 'reason', 'details', 'on_behalf_of'),
  json(`${P}/api/v1/recovery-requests/AR-ABCD-EFGH/cancel`, 'reason'), json(`${P}/api/v1/users/${UUID}/send-access-email`, 'reason', 'details'),
  json(`${P}/api/v1/users/${UUID}/send-recovery-code`, 'reason', 'on_behalf_of'), json(`${P}/api/v1/users/${UUID}/reset-2fa`, 'reason'),
  get(`${P}/api/v1/backup-codes/stats`), get(`${P}/api/v1/audit-logs`, 'event', 'user', 'actor', 'since', 'cursor'),
];

/** mulberry32: the same 3,000 requests on every run. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]! };
}
type Rng = ReturnType<typeof prng>;

const NASTY = [
  '', ' ', '-1', '0', '-0', '1e308', '-1e308', '99999999999999999999999999', '-9223372036854775809', 'NaN', 'Infinity', '0x7fffffff',
  '1.5', 'null', 'undefined', 'true', '[]', '{}', '%00', '\u0000', '\uFFFD', '\uD800', '../../etc/passwd', '<script>alert(1)</script>',
  "' OR 1=1 --", '${7*7}', '\r\nSet-Cookie: x=1', 'javascript:alert(1)', '//evil.example', 'AR-0000-0000', UUID, 'a@b', '@@@', 'é'.repeat(300),
];
const value = (rng: Rng) => (rng.int(6) === 0 ? 'x'.repeat(rng.pick([1_000, 5_000, 20_000])) : rng.pick(NASTY));
/** A lone surrogate cannot be encoded: it goes out as the bytes of one (invalid UTF-8). */
const percent = (text: string) => { try { return encodeURIComponent(text); } catch { return '%ED%A0%80'; } };
const INVALID_UTF8 = [Buffer.from([0xff, 0xfe, 0xfd]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xe2, 0x28, 0xa1]), Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80])];
const CONTENT_TYPES = ['text/plain', 'application/xml', 'application/octet-stream', 'multipart/form-data', 'multipart/form-data; boundary=', 'application/json; charset=utf-7', 'application/x-www-form-urlencoded; charset=utf-16', 'image/png', '*/*', ';;;'];

/** Who sends a request: its browser (cookies, CSRF token) or, for the API, a bearer token. */
interface Identity { name: string; client: TestClient; bearer?: string }

/** Same-origin, as a browser posting the gateway's own forms would say (the Origin check of S6). */
function headersOf(who: Identity): Record<string, string> {
  const headers: Record<string, string> = { origin: who.client.base };
  if (who.bearer) headers.authorization = `Bearer ${who.bearer}`;
  else if (who.client.cookies.size) headers.cookie = who.client.cookieHeader();
  return headers;
}
interface Sent { method: string; path: string; headers: Record<string, string>; body?: Buffer | string | ReadableStream<Uint8Array>; mutation: string }

/** One malformed request for a route, as one of the identities. */
function mutate(rng: Rng, route: Route, who: Identity): Sent {
  const headers = headersOf(who);
  const csrf = who.client.csrf;
  const fields = () => route.fields.map((name) => [name, name === '_csrf' && rng.int(3) > 0 ? csrf : value(rng)] as [string, string]);
  const urlencoded = (pairs: Array<[string, string]>) => new URLSearchParams(pairs).toString();
  const query = () => (route.fields.length ? `?${route.fields.map((f) => `${f}=${percent(value(rng))}`).join('&')}` : '');
  const mutation = rng.pick(['fields', 'fields', 'duplicate', 'utf8', 'swap', 'bad-json', 'content-type', 'missing', 'oversized', 'oversized-chunked', 'cookie', 'auth', 'query', 'header', 'method']);
  const method = route.method;
  const form = (body: string | Buffer) => ({ method, path: route.path, headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, body, mutation });
  const asJson = (body: string | Buffer) => ({ method, path: route.path, headers: { ...headers, 'content-type': 'application/json', 'x-csrf-token': csrf }, body, mutation });
  const natural = (body: string | Buffer) => (route.body === 'json' ? asJson(body) : form(body));
  const objectOf = (pairs: Array<[string, string]>) => JSON.stringify(Object.fromEntries(pairs.map(([k, v]) => [k, rng.int(2) ? v : rng.pick([Number(v) || -1, 1e308, -(2 ** 63), null, [v], { v }])])));
  switch (mutation) {
    case 'fields':
      return route.body === 'none' ? { method, path: route.path + query(), headers, mutation } : natural(route.body === 'json' ? objectOf(fields()) : urlencoded(fields()));
    case 'duplicate': {
      // The CSRF field stays single (the last of a duplicate wins), so duplicates reach the handlers.
      const pairs = fields().flatMap((pair) => (pair[0] === '_csrf' ? [pair] : [pair, [pair[0], value(rng)] as [string, string]]));
      if (route.body === 'none') return { method, path: `${route.path}?${urlencoded(pairs)}`, headers, mutation };
      return natural(route.body === 'json' ? `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}` : urlencoded(pairs));
    }
    case 'utf8': {
      const bad = rng.pick(INVALID_UTF8);
      const raw = Buffer.concat([Buffer.from(`_csrf=${csrf}&${route.fields[1] ?? 'x'}=`), bad, Buffer.from('&rd=%FF%FE%E0%A4%A')]);
      if (route.body === 'none') return { method, path: `${route.path}?${route.fields[0] ?? 'x'}=%FF%C0%AF%ED%A0%80&y=%E0%A4%A`, headers, mutation };
      return natural(route.body === 'json' ? Buffer.concat([Buffer.from('{"reason":"'), bad, Buffer.from('"}')]) : raw);
    }
    case 'swap':
      return route.body === 'json' ? form(urlencoded(fields())) : asJson(objectOf(fields()));
    case 'bad-json':
      return asJson(rng.pick(['{', '[', '{"a":', 'null', '"string"', '12', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}', '['.repeat(5_000) + ']'.repeat(5_000), `{"response":${'{"a":'.repeat(2_000)}1${'}'.repeat(2_000)}}`]));
    case 'content-type':
      return { method: method === 'GET' ? 'POST' : method, path: route.path, headers: { ...headers, 'x-csrf-token': csrf, 'content-type': rng.pick(CONTENT_TYPES) }, body: rng.int(2) ? Buffer.from(Array.from({ length: 300 }, () => rng.int(256))) : '--x\r\nContent-Disposition: form-data; name="code"\r\n\r\n1', mutation };
    case 'missing':
      return natural('');
    case 'oversized':
      return natural(route.body === 'json' ? JSON.stringify({ reason: 'x'.repeat(BODY_LIMIT + 10) }) : `_csrf=${csrf}&code=${'9'.repeat(BODY_LIMIT + 10)}`);
    case 'oversized-chunked': {
      const chunk = new Uint8Array(16 * 1024).fill(0x61);
      let left = 6;
      const body = new ReadableStream<Uint8Array>({ pull(controller) { if (left-- > 0) controller.enqueue(chunk); else controller.close(); } });
      return { ...natural(''), body };
    }
    case 'cookie':
      return { method, path: route.path, headers: { ...headers, cookie: rng.pick([
        'recourse_session=' + 'A'.repeat(5_000), 'recourse_session=eyJhbGciOiJub25lIn0.e30.', 'recourse_session=%FF%FE; recourse_session=x',
        'recourse_session', '=;=;=;', `recourse_session=${'a.'.repeat(100)}`, 'recourse_csrf=short; recourse_session="quoted"', '\u00ff\u00fe=\u00ff',
      ]) }, ...(route.body === 'none' ? {} : { body: '' }), mutation };
    case 'auth':
      return { method, path: route.path, headers: { ...headers, authorization: rng.pick(['Bearer ', 'Bearer x', `Bearer ${'z'.repeat(8_000)}`, 'Basic Zm9vOmJhcg==', 'Bearer rk_\u00ff\u00fe', 'Bearer a b c', 'bearer']) }, ...(route.body === 'none' ? {} : { body: '{}' }), mutation };
    case 'query':
      return { method, path: `${route.path}?page=-1&page=1e308&cursor=%%%&cursor=${'9'.repeat(400)}&rd=%0d%0aLocation:%20x&since=not-a-date&status=${'x'.repeat(2_000)}&limit=-5`, headers, mutation };
    case 'header':
      return { method, path: route.path, headers: {
        ...headers, 'x-forwarded-for': rng.pick(['not-an-ip', '1.2.3.4, , ::ffff:999.1.1.1', 'x'.repeat(6_000)]), 'x-padding': 'p'.repeat(rng.pick([100, 4_000, 12_000])),
        accept: rng.pick(['application/json', '*/*;q=foo', '\u00ff']), origin: rng.pick(['null', 'http://evil.example', '::::', headers.origin ?? '']), host: 'x',
      }, ...(route.body === 'none' ? {} : { body: `_csrf=${csrf}` }), mutation };
    default:
      return { method: rng.pick(['PUT', 'PATCH', 'DELETE', 'OPTIONS']), path: route.path, headers, body: 'x=1', mutation };
  }
}

function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

/** Raw HTTP that fetch cannot send: the answer must be a 4xx (or a closed connection), never 5xx. */
function rawRequest(port: number, text: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    socket.setTimeout(5_000, () => socket.destroy());
    socket.on('data', (chunk) => { answer += chunk.toString('latin1'); });
    socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
    socket.on('error', () => {});
    socket.end(text);
  });
}

const RAW: Array<string | Buffer> = [
  'GET /.recourse/login HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0000b\r\n\r\n',
  'POST /.recourse/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n',
  'POST /.recourse/login HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  'POST /.recourse/assist HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
  'POST /.recourse/assist HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\nabc',
  `GET /.recourse/login HTTP/1.1\r\nHost: x\r\nX-Huge: ${'h'.repeat(20_000)}\r\n\r\n`,
  'FOO /.recourse/login HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /.recourse/login\r\n\r\n',
  'GET /.recourse/login HTTP/1.1\r\n\r\n',
  Buffer.concat([Buffer.from('GET /.recourse/login?rd='), Buffer.from([0xff, 0xfe, 0xc0]), Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n')]),
  'GET /.recourse/%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /.recourse/static/..%2f..%2fpackage.json HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET http://evil.example/.recourse/login HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET * HTTP/1.1\r\nHost: x\r\n\r\n',
];

describe('malformed input to every route', () => {
  let install: Install;
  let serve: ServeChild;
  const identities: Identity[] = [];
  let userId = '';

  beforeAll(async () => {
    const databaseUrl = process.env.DATABASE_URL ? await createDatabase(process.env.DATABASE_URL) : '';
    install = await writeInstallFrom({ session: { secret: SECRET }, storage: { database_url: databaseUrl }, server: { body_limit: BODY_LIMIT } });
    // Failed sign-ins are part of the noise; a ban of 127.0.0.1 would only hide the routes behind it.
    fs.writeFileSync(`${install.dir}/policies/access.yaml`, JSON.stringify({
      access: { default: 'one_factor' }, factors: { email_otp: { enabled: true } }, rate_limits: { login: { max_retries: 1_000_000, per_ip_max_retries: 1_000_000, per_account_max_retries: 1_000_000 } },
    }));
    serve = await startServe(install, { env: { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=${CHILD_HEAP_MB} ${CHILD_YOUNG_GENERATION.join(' ')}`.trim() } });
    const added = await runCli(['user', 'add', '--email', 'fuzz@example.com', '--password-stdin', '--config', install.configFile], { input: PASSWORD });
    expect(added.code).toBe(0);
    userId = added.stdout.trim();
    const token = await runCli(['token', 'create', '--name', 'fuzz', '--user', 'admin@localhost', '--config', install.configFile]);
    expect(token.code).toBe(0);
    const bearer = token.stdout.trim().split(/\s+/).at(-1)!;

    const browser = new TestClient(install.url);
    await browser.page(`${P}/login`); // a CSRF cookie and token, no session
    identities.push(
      { name: 'anonymous', client: new TestClient(install.url) },
      { name: 'browser', client: browser },
      { name: 'user', client: await signedInUser() },
      { name: 'admin', client: await adminWithSecondFactor() },
      { name: 'bearer', client: new TestClient(install.url), bearer },
    );
  }, SLOW);
  afterAll(cleanUp, SLOW);

  async function signedInUser(): Promise<TestClient> {
    const client = new TestClient(install.url);
    expect((await client.signIn('fuzz@example.com', PASSWORD)).status).toBe(303);
    await client.page(`${P}/account`);
    return client;
  }

  /** The first-start administrator: setup link, password, TOTP enrolment — a level-2 admin session. */
  async function adminWithSecondFactor(): Promise<TestClient> {
    const link = /(\/\.recourse\/password\/reset\?token=\S+)/.exec(serve.stdout())![1]!;
    const client = new TestClient(install.url);
    await client.page(link);
    const token = new URL(link, install.url).searchParams.get('token')!;
    expect((await client.postForm(`${P}/password/reset`, { token, password: ADMIN_PASSWORD })).status).toBe(303);
    expect((await client.signIn('admin@localhost', ADMIN_PASSWORD)).status).toBe(303);
    const { html } = await client.page(`${P}/enroll`);
    const secret = /id="totp-secret">([^<]+)</.exec(html)![1]!.replace(/\s/g, '');
    const factor = /name="factor" value="([^"]+)"/.exec(html)?.[1] ?? '';
    expect((await client.postForm(`${P}/enroll/totp`, { code: generateTotpCode(secret, Date.now()), factor, rd: '' })).status).toBe(303);
    expect((await client.page(`${P}/admin`)).res.status).toBe(200);
    return client;
  }

  it(`answers ${TOTAL} malformed requests with 4xx (or harmless 2xx/3xx), never 5xx, with flat memory`, async () => {
    const rng = prng(SEED);
    const routes = [...ROUTES, form(`${P}/account/sessions/revoke-all`), json(`${P}/api/v1/users/${userId}/reset-2fa`, 'reason'), get(`${P}/admin/users/${userId}`)];
    const failures: string[] = [];
    const seen = new Map<number, number>();
    let next = 0;

    const send = async (sent: Sent) => {
      const label = `${sent.mutation} ${sent.method} ${sent.path.slice(0, 120)}`;
      try {
        const res = await fetch(`${install.url}${sent.path}`, {
          method: sent.method, headers: sent.headers, redirect: 'manual',
          ...(sent.body !== undefined && !['GET', 'HEAD'].includes(sent.method) ? { body: sent.body, duplex: 'half' } : {}),
        } as RequestInit);
        const text = await res.text();
        seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
        if (res.status >= 500) failures.push(`${res.status} ${label}: ${text.slice(0, 200)}`);
        // 431 comes from Node's HTTP parser itself, before the gateway: its status line is the message.
        else if (res.status >= 400 && res.status !== 431 && text.trim() === '') failures.push(`${res.status} without a message: ${label}`);
        const ownRoute = sent.path.startsWith(`${P}/`) && sent.method === 'POST';
        if (ownRoute && sent.mutation.startsWith('oversized') && res.status !== 413) failures.push(`${res.status} instead of 413: ${label}`);
      } catch (error) {
        failures.push(`no answer (${(error as Error).cause ?? (error as Error).message}): ${label}`);
      }
    };
    const runUntil = async (count: number) => {
      await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
        while (next < count) {
          next++;
          const route = rng.pick(routes);
          // Only the disposable user may sign itself out; the admin keeps its second factor all run.
          const pool = /\/(logout|revoke-all)$/.test(route.path) ? identities.filter((i) => i.name !== 'admin') : identities;
          // The JSON API is mostly called with a token; the bearer identity has no business elsewhere.
          const api = route.path.includes('/api/v1/');
          const who = api && rng.int(2) === 0 ? identities.find((i) => i.name === 'bearer')! : rng.pick(pool.filter((i) => api || i.name !== 'bearer'));
          await send(mutate(rng, route, who));
          if (next % 250 === 0) await refreshUser();
        }
      }));
    };
    const refreshUser = async () => {
      const user = identities.find((i) => i.name === 'user')!;
      const alive = await fetch(`${install.url}${P}/account`, { headers: headersOf(user), redirect: 'manual' });
      if (alive.status !== 200) user.client = await signedInUser();
    };

    await runUntil(WARM_UP);
    const before = rssMb(serve.child.pid!);
    await runUntil(TOTAL);
    // The lowest of a few samples once the burst is over: a transient peak of the last requests is not a leak.
    let after = rssMb(serve.child.pid!);
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 400));
      after = Math.min(after, rssMb(serve.child.pid!));
    }

    expect(failures).toEqual([]);
    expect(serve.child.exitCode).toBeNull();
    expect((await fetch(`${install.url}${P}/healthz`)).status).toBe(200);
    expect(after - before, `RSS ${before.toFixed(0)} MB → ${after.toFixed(0)} MB`).toBeLessThan(RSS_GROWTH_LIMIT_MB);
    // The run reached past the front door: pages, refusals and the body limit all answered.
    for (const status of [200, 302, 400, 403, 404, 413]) expect(seen.get(status) ?? 0, `answers with ${status}`).toBeGreaterThan(0);
  }, SLOW);

  it('answers raw HTTP no client would send with 4xx or a closed connection, never 5xx', async () => {
    for (const text of RAW) {
      const statusLine = await rawRequest(install.port, text);
      expect(statusLine, JSON.stringify(text.toString().slice(0, 80))).not.toMatch(/^HTTP\/1\.[01] 5/);
      if (statusLine) expect(statusLine).toMatch(/^HTTP\/1\.[01] [234]\d\d /);
    }
    expect(serve.child.exitCode).toBeNull();
    expect((await fetch(`${install.url}${P}/healthz`)).status).toBe(200);
  }, SLOW);
});
