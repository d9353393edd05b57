import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from '../support/client.js';
import { cleanUp, createDatabase, runCli, startServe, tempDir, writeInstall, type Install, type ServeChild } from './child.js';

const P = '/.recourse';
const SLOW = 120_000;
const PASSWORD = 'cli test password 1';

afterAll(cleanUp, SLOW);

/** Signs in through the child's login form and reaches the demo app behind it. */
async function signInAndReachApp(url: string, email: string, password: string): Promise<void> {
  const client = new TestClient(url);
  const res = await client.signIn(email, password, '/');
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toBe('/');
  const app = await client.request('/');
  expect(app.status).toBe(200);
  expect(await app.text()).toContain(email);
}

const noStackTrace = (text: string) => expect(text).not.toMatch(/^\s+at /m);

describe('recourse CLI with embedded storage, while the gateway runs', () => {
  let install: Install;
  let serve: ServeChild;
  const config = () => ['--config', install.configFile];

  beforeAll(async () => {
    install = await writeInstall();
    serve = await startServe(install);
  }, SLOW);
  afterAll(async () => {
    expect(await serve?.stop()).toBe(0);
  }, SLOW);

  it('prints a first-start setup link', () => {
    expect(serve.stdout()).toMatch(/First start: set the administrator password for admin@localhost/);
    expect(serve.stdout()).toContain(`${install.url}${P}/password/reset?token=`);
  });

  it('user add goes through the admin socket, and the user can sign in', async () => {
    expect(fs.existsSync(path.join(install.dir, 'data', 'recourse.sock'))).toBe(true);
    const added = await runCli(['user', 'add', '--email', 'ada@example.com', '--name', 'Ada', '--password-stdin', ...config()], { input: `${PASSWORD}\n` });
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout.trim()).toMatch(/^[0-9a-f-]{36}$/);
    await signInAndReachApp(install.url, 'ada@example.com', PASSWORD);
  }, SLOW);

  it('user list --json shows the user', async () => {
    const listed = await runCli(['user', 'list', '--json', ...config()]);
    expect(listed.code).toBe(0);
    const users = JSON.parse(listed.stdout) as Array<{ email: string; role: string; type: string; name: string; two_factor: boolean }>;
    expect(users.find((u) => u.email === 'ada@example.com')).toMatchObject({ role: 'user', type: 'user', name: 'Ada', two_factor: false });
  }, SLOW);

  it('user add --groups and user set-groups: stored, listed, and the signed-in user\'s next request carries them', async () => {
    const added = await runCli(['user', 'add', '--email', 'grace@example.com', '--groups', 'ops, readers', '--password-stdin', ...config()], { input: PASSWORD });
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const client = new TestClient(install.url);
    expect((await client.signIn('grace@example.com', PASSWORD, '/')).status).toBe(303);
    expect(await (await client.request('/')).text()).toMatch(/<th>remote-groups<\/th><td>user,ops,readers<\/td>/);

    const set = await runCli(['user', 'set-groups', '--email', 'GRACE@example.com', '--groups', 'sre,Domain Admins', ...config()]);
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    expect(set.stdout.trim()).toBe('grace@example.com is in Domain Admins, sre.');
    const listed = JSON.parse((await runCli(['user', 'list', '--json', ...config()])).stdout) as Array<{ email: string; groups: string[] }>;
    expect(listed.find((u) => u.email === 'grace@example.com')?.groups).toEqual(['Domain Admins', 'sre']);
    expect(listed.find((u) => u.email === 'ada@example.com')?.groups).toEqual([]);
    // The gateway forgot its cached session view: the very next request carries the new groups.
    expect(await (await client.request('/')).text()).toMatch(/<th>remote-groups<\/th><td>user,Domain Admins,sre<\/td>/);

    const again = await runCli(['user', 'set-groups', '--email', 'grace@example.com', '--groups', 'sre, Domain Admins', ...config()]);
    expect(again.stdout.trim()).toBe('grace@example.com is in Domain Admins, sre (unchanged).');
    const cleared = await runCli(['user', 'set-groups', '--email', 'grace@example.com', '--groups', '', ...config()]);
    expect(cleared.stdout.trim()).toBe('grace@example.com is in no groups.');
  }, SLOW);

  it('refuses a bad group name, an unknown user and a missing --groups, each in one line', async () => {
    const bad = await runCli(['user', 'add', '--email', 'bad-groups@example.com', '--groups', 'ops,a*b', ...config()]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^user add: --groups: invalid group name "a\*b": expected 1–64 letters/)]);
    const unknown = await runCli(['user', 'set-groups', '--email', 'nobody@example.com', '--groups', 'ops', ...config()]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim().split('\n')).toEqual(['user set-groups: no user with email nobody@example.com']);
    const missing = await runCli(['user', 'set-groups', '--email', 'ada@example.com', ...config()]);
    expect(missing.code).toBe(2);
    const listed = await runCli(['user', 'list', '--json', ...config()]);
    expect(listed.stdout).not.toContain('bad-groups@example.com');
  }, SLOW);

  it('refuses a duplicate email (any case) with exit 1 and one line', async () => {
    const dup = await runCli(['user', 'add', '--email', 'ADA@example.com', ...config()]);
    expect(dup.code).toBe(1);
    expect(dup.stdout).toBe('');
    expect(dup.stderr.trim().split('\n')).toEqual(['user add: a user with email ADA@example.com already exists']);
  }, SLOW);

  it('refuses an invalid email with exit 1', async () => {
    const bad = await runCli(['user', 'add', '--email', 'not-an-email', ...config()]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toEqual(['user add: invalid email address: not-an-email']);
  }, SLOW);

  it('refuses a weak password from stdin with exit 1 and creates nobody', async () => {
    const weak = await runCli(['user', 'add', '--email', 'weak@example.com', '--password-stdin', ...config()], { input: 'short\n' });
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/^user add: password /);
    const listed = await runCli(['user', 'list', '--json', ...config()]);
    expect(listed.stdout).not.toContain('weak@example.com');
  }, SLOW);

  it('answers an unknown option with exit 2 and a usage line', async () => {
    const unknown = await runCli(['user', 'add', '--emial', 'x@example.com', ...config()]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^recourse user add: Unknown option '--emial'/m);
    expect(unknown.stderr).toMatch(/^usage: recourse user add --email E/m);
    noStackTrace(unknown.stderr);
    const command = await runCli(['user', 'frobnicate']);
    expect(command.code).toBe(2);
    expect(command.stderr).toMatch(/unknown command/);
  }, SLOW);

  it('admin bootstrap prints a setup link that sets the password once, then signs in', async () => {
    const boot = await runCli(['admin', 'bootstrap', '--email', 'boss@example.com', ...config()]);
    expect(boot.code).toBe(0);
    const link = /(http:\/\/\S+\/password\/reset\?token=\S+)/.exec(boot.stdout)?.[1];
    expect(link).toBeDefined();
    expect(link!.startsWith(`${install.url}${P}/password/reset?token=`)).toBe(true);

    const client = new TestClient(install.url);
    const form = await client.page(link!.slice(install.url.length));
    expect(form.res.status).toBe(200);
    expect(form.html).toContain('name="password"');
    expect(form.html).toContain('boss@example.com');
    const token = new URL(link!).searchParams.get('token')!;
    const set = await client.postForm(`${P}/password/reset`, { token, password: PASSWORD });
    expect(set.status).toBe(303);
    expect(set.headers.get('location')).toBe(`${P}/login?notice=password-set`);

    const again = await client.page(link!.slice(install.url.length));
    expect(again.res.status).toBe(400);

    const admin = new TestClient(install.url);
    const signedIn = await admin.signIn('boss@example.com', PASSWORD, '/');
    expect(signedIn.status).toBe(303);
    expect(admin.cookies.has('recourse_session')).toBe(true);
  }, SLOW);

  it('migrate exits 0 while the gateway owns the database', async () => {
    const migrated = await runCli(['migrate', ...config()]);
    expect(migrated.code).toBe(0);
  }, SLOW);

  it('policy check DIR: exit 0 when valid, 1 with file:line:col lines when not', async () => {
    const ok = await runCli(['policy', 'check', path.join(install.dir, 'policies')]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^policies OK/);

    const dir = tempDir();
    fs.writeFileSync(path.join(dir, '10-access.yaml'), 'access:\n  default: maybe\n');
    fs.writeFileSync(path.join(dir, '20-limits.yaml'), 'rate_limits:\n  login: {max_retries: -1}\n');
    const bad = await runCli(['policy', 'check', dir]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/10-access\.yaml:2:12 access\.default: /),
      expect.stringMatching(/20-limits\.yaml:2:\d+ rate_limits\.login\.max_retries: /),
    ]);

    fs.writeFileSync(path.join(dir, '30-broken.yaml'), 'factors:\n  totp: [\n');
    const broken = await runCli(['policy', 'check', dir]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/30-broken\.yaml:\d+:\d+ \S/);
    noStackTrace(broken.stderr);
  }, SLOW);

  it('policy check uses the config policies dir without an argument', async () => {
    const ok = await runCli(['policy', 'check', ...config()]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/policies OK .*1 file/);
  }, SLOW);
});

describe('a bad config stops every command with key paths and no stack trace', () => {
  it.each([['serve'], ['user', 'list'], ['migrate']])('%s', async (...command) => {
    const dir = tempDir();
    const file = path.join(dir, 'config.yaml');
    fs.writeFileSync(file, 'session:\n  max_age: forever\n  secret: too-short\nserver:\n  listen: nowhere\n  colour: blue\n');
    const result = await runCli([...command, '--config', file]);
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(/^session\.max_age: expected a duration/),
      expect.stringMatching(/^session\.secret: /),
      expect.stringMatching(/^server\.listen: /),
      'server.colour: unknown key',
    ]));
    expect(lines).toHaveLength(4);
    noStackTrace(result.stderr);
  }, SLOW);

  it('a YAML syntax error names the file and line', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'config.yaml');
    fs.writeFileSync(file, 'server:\n  listen: [\n');
    const result = await runCli(['serve', '--config', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^config: config\.yaml:\d+:\d+ /);
    noStackTrace(result.stderr);
  }, SLOW);
});

describe.runIf(Boolean(process.env.DATABASE_URL))('recourse CLI with PostgreSQL', () => {
  let install: Install;
  let serve: ServeChild;
  const config = () => ['--config', install.configFile];

  beforeAll(async () => {
    install = await writeInstall({ databaseUrl: await createDatabase(process.env.DATABASE_URL!) });
  }, SLOW);
  afterAll(async () => {
    if (serve) expect(await serve.stop()).toBe(0);
  }, SLOW);

  it('migrate exits 0 on a fresh database, and again when there is nothing to do', async () => {
    const first = await runCli(['migrate', ...config()]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Migrations applied \(postgres\)/);
    expect((await runCli(['migrate', ...config()])).code).toBe(0);
  }, SLOW);

  it('user add while the gateway runs, then sign in; duplicates refused', async () => {
    serve = await startServe(install);
    expect(fs.existsSync(path.join(install.dir, 'data', 'recourse.sock'))).toBe(false);
    const added = await runCli(['user', 'add', '--email', 'pat@example.com', '--password-stdin', ...config()], { input: PASSWORD });
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    await signInAndReachApp(install.url, 'pat@example.com', PASSWORD);
    const dup = await runCli(['user', 'add', '--email', 'pat@example.com', ...config()]);
    expect(dup.code).toBe(1);
    expect(dup.stderr.trim().split('\n')).toEqual(['user add: a user with email pat@example.com already exists']);
    const listed = await runCli(['user', 'list', '--json', ...config()]);
    expect((JSON.parse(listed.stdout) as Array<{ email: string }>).map((u) => u.email)).toContain('pat@example.com');
  }, SLOW);
});
