/**
 * docs/apps.md, tested as written (issue 26 item 4): each app's Recourse entry is put in front of
 * the built-in echo app (gateway/demo/echo-app.ts, `upstream: builtin:demo`), and the headers that
 * the app's own config lines (from the same file) name carry the signed-in user, once each; the
 * jose example verifies the gateway's assertion.
 */
import fs from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setUserGroups } from '../../db/queries/user-groups.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { startEchoUpstream } from '../support/upstream.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DOC = fs.readFileSync(path.join(ROOT, 'docs/apps.md'), 'utf8');
const EXAMPLE = fs.readFileSync(path.join(ROOT, 'docs/examples/verify-assertion.ts'), 'utf8');

/** The fenced block right after `<!-- kind: name -->`. */
function block(kind: 'recourse-app' | 'app-config', name: string): string {
  const found = new RegExp(`<!-- ${kind}: ${name} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\`\`\``).exec(DOC);
  if (!found) throw new Error(`docs/apps.md has no ${kind} block for ${name}`);
  return found[1]!;
}
const ini = (text: string, key: string) => new RegExp(`^${key}\\s*=\\s*(.+)$`, 'm').exec(text)?.[1]?.trim();

interface Reads { user: string; email: string; name: string; groups?: string }
/** The header names each app reads, from its own config lines as the doc gives them. */
const READS: Record<string, () => Reads> = {
  grafana() {
    const text = block('app-config', 'grafana');
    const extra = Object.fromEntries(ini(text, 'headers')!.split(/\s+/).map((pair) => pair.split(':') as [string, string]));
    expect(ini(text, 'header_property')).toBe('username');
    return { user: ini(text, 'header_name')!, email: extra.Email!, name: extra.Name!, groups: extra.Groups! };
  },
  gitea() {
    const text = block('app-config', 'gitea');
    return { user: ini(text, 'REVERSE_PROXY_AUTHENTICATION_USER')!, email: ini(text, 'REVERSE_PROXY_AUTHENTICATION_EMAIL')!, name: ini(text, 'REVERSE_PROXY_AUTHENTICATION_FULL_NAME')! };
  },
  jenkins() {
    const realm = parse(block('app-config', 'jenkins')).jenkins.securityRealm.reverseProxy;
    expect(realm.headerGroupsDelimiter).toBe(',');
    return { user: realm.forwardedUser, email: realm.forwardedEmail, name: realm.forwardedDisplayName, groups: realm.headerGroups };
  },
};
/** What each app takes as its user name: Gitea's cannot hold `@`, so it gets the user id. */
const LOGIN: Record<string, 'id' | 'email'> = { grafana: 'email', gitea: 'id', jenkins: 'email' };

let storage: Awaited<ReturnType<typeof openTestStorage>>;
let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
let gw: TestGateway;
let userId = '';
let cookie = '';
const entries = Object.keys(READS).map((name) => parse(block('recourse-app', name)).apps[0] as { name: string; host: string; upstream: string });

beforeAll(async () => {
  storage = await openTestStorage();
  upstream = await startEchoUpstream();
  gw = await startTestGateway({
    storage,
    config: { apps: [...entries.map((entry) => ({ ...entry, upstream: 'builtin:demo' })), { name: 'wiki', host: '*', upstream: upstream.url, identity: { assertion: { header: 'X-Recourse-Assertion' } } }] },
  });
  userId = await gw.addUser({ email: 'ada@example.com', name: 'Ada Lovelace', role: 'admin', type: 'employee' });
  await setUserGroups(storage.db, userId, ['ops']);
  cookie = `recourse_session=${(await gw.running.sessions.issue(storage.db, { userId, authLevel: 2 })).cookieValue}`;
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  await storage?.close();
});

async function reach(host: string, extra: Record<string, string> = {}) {
  const res = await request(`${gw.url}/`, { headers: { host, cookie, ...extra } });
  await res.body.dump();
  expect(res.statusCode).toBe(200);
  return upstream.last()!;
}

/** What the built-in echo app received, as it reports it (names as sent, repeats kept). */
async function echoed(host: string, extra: Record<string, string>): Promise<Array<[string, string]>> {
  const res = await request(`${gw.url}/`, { headers: { host, cookie, accept: 'application/json', ...extra } });
  expect(res.statusCode).toBe(200);
  return ((await res.body.json()) as { headers: Array<[string, string]> }).headers;
}

describe('docs/apps.md', () => {
  for (const entry of entries) {
    it(`${entry.name}: the headers its config reads carry the user, and a client's copies are gone`, async () => {
      const reads = READS[entry.name]!();
      const forged = Object.fromEntries(Object.values(reads).map((name) => [name.replaceAll('-', '_'), 'admin']));
      const headers = await echoed(entry.host, forged);
      const one = (name: string) => {
        const values = headers.filter(([sent]) => sent.toLowerCase().replaceAll('_', '-') === name.toLowerCase()).map(([, value]) => value);
        expect(values, name).toHaveLength(1);
        return values[0];
      };
      expect(one(reads.user)).toBe(LOGIN[entry.name] === 'id' ? userId : 'ada@example.com');
      expect(one(reads.email)).toBe('ada@example.com');
      expect(one(reads.name)).toBe('Ada Lovelace');
      if (reads.groups) expect(one(reads.groups)).toBe('admin,employee,ops');
    });
  }

  it('shows the jose example exactly as tested', () => {
    expect(DOC).toContain(EXAMPLE);
    expect(EXAMPLE.split('\n').filter(Boolean).length).toBeLessThanOrEqual(17);
  });

  it('the jose example takes the user from a real assertion, and nothing from a forged or another app\'s one', async () => {
    process.env.RECOURSE_URL = gw.config.server.public_url;
    const { recourseUser } = await import('../../docs/examples/verify-assertion.js');
    const seen = await reach('wiki.test');
    expect(await recourseUser(seen.headers)).toMatchObject({ id: userId, email: 'ada@example.com', name: 'Ada Lovelace', groups: ['admin', 'employee', 'ops'] });
    expect(await recourseUser(seen.headers, 'grafana')).toBeNull();
    const [header, payload] = (seen.headers['x-recourse-assertion'] as string).split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: 'someone-else' })).toString('base64url')}.${'A'.repeat(86)}`;
    expect(await recourseUser({ 'x-recourse-assertion': forged })).toBeNull();
    expect(await recourseUser({})).toBeNull();
  });
});
