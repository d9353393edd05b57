/**
 * `recourse user import FILE.csv [--apply]` (CONTRACT §8.3) from a real shell while the gateway
 * runs: through the admin socket with embedded storage, and straight to PostgreSQL. A dry run
 * writes nothing; a file with any bad row writes nothing and names each problem with its row;
 * --apply creates everyone and their invitations reach the outbox, whose link sets a password.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from '../support/client.js';
import { cleanUp, createDatabase, runCli, startServe, tempDir, writeInstall, type Install, type ServeChild } from './child.js';

const P = '/.recourse';
const SLOW = 120_000;

afterAll(cleanUp, SLOW);

const GOOD = [
  'email,name,role,type,groups,phone',
  'ada@example.com,"Lovelace, Ada",admin,employee,"ops, readers",+4915112345678',
  'grace@example.com,Grace Hopper,,,,',
  '',
].join('\n');

const BAD = [
  'email,name,role,type,groups,phone',
  'ok@example.com,Fine,user,user,,',
  'not-an-email,Bad,emperor,user,,',
  'OK@example.com,Twice,user,user,,',
  'third@example.com,Third,user,robot,a*b,',
  '',
].join('\n');

function writeFile(name: string, text: string): string {
  const file = path.join(tempDir(), name);
  fs.writeFileSync(file, text);
  return file;
}

async function emails(install: Install): Promise<string[]> {
  const listed = await runCli(['user', 'list', '--json', '--config', install.configFile]);
  expect(listed.code).toBe(0);
  return (JSON.parse(listed.stdout) as Array<{ email: string }>).map((u) => u.email);
}

/** The invitation's link for `to`, once the gateway's worker has written it to the file outbox. */
async function invitationLink(install: Install, to: string): Promise<string> {
  const dir = path.join(install.dir, 'data', 'outbox');
  const deadline = performance.now() + 30_000;
  for (;;) {
    for (const file of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
      const text = fs.readFileSync(path.join(dir, file), 'utf8');
      // Quoted-printable may fold the link: unfold soft line breaks first.
      const plain = text.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
      if (new RegExp(`^To: ${to}`, 'mi').test(plain)) {
        const link = /(http:\/\/\S+\/password\/reset\?token=[A-Za-z0-9_-]+)/.exec(plain)?.[1];
        if (link) return link;
      }
    }
    if (performance.now() > deadline) throw new Error(`no invitation for ${to} in ${dir}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function importCases(label: string, setup: () => Promise<{ install: Install; serve: ServeChild }>) {
  describe(label, () => {
    let install: Install;
    let serve: ServeChild;
    const config = () => ['--config', install.configFile];

    beforeAll(async () => {
      ({ install, serve } = await setup());
    }, SLOW);
    afterAll(async () => {
      if (serve) expect(await serve.stop()).toBe(0);
    }, SLOW);

    it('a dry run lists whom it would create and writes nothing', async () => {
      const dry = await runCli(['user', 'import', writeFile('people.csv', GOOD), ...config()]);
      expect(dry.stderr).toBe('');
      expect(dry.code).toBe(0);
      expect(dry.stdout.trim().split('\n')).toEqual([
        'create  ada@example.com  (row 2: Lovelace, Ada, admin/employee, groups ops, readers, phone)',
        'create  grace@example.com  (row 3: Grace Hopper, user/user)',
        '2 to create. Nothing written (dry run); run again with --apply to create them and email their invitations.',
      ]);
      expect(await emails(install)).not.toContain('ada@example.com');
    }, SLOW);

    it('a file with bad rows: one line per problem with its row, exit 1, nothing written even with --apply', async () => {
      const file = writeFile('bad.csv', BAD);
      for (const apply of [[], ['--apply']]) {
        const bad = await runCli(['user', 'import', file, ...apply, ...config()]);
        expect(bad.code).toBe(1);
        expect(bad.stdout).toBe('');
        expect(bad.stderr.trim().split('\n')).toEqual([
          'bad.csv: row 3: email "not-an-email" is not a valid address',
          'bad.csv: row 3: role "emperor" is not one of super_admin, owner, admin, user',
          'bad.csv: row 4: email OK@example.com is also on row 2',
          'bad.csv: row 5: type "robot" is not one of user, employee, customer',
          expect.stringMatching(/^bad\.csv: row 5: groups: invalid group name "a\*b"/),
          'user import: 5 problems; nothing written.',
        ]);
      }
      expect(await emails(install)).not.toContain('ok@example.com');
    }, SLOW);

    it('--apply creates everyone with an invitation whose link sets a password; a second run finds them taken', async () => {
      const file = writeFile('people.csv', GOOD);
      const applied = await runCli(['user', 'import', file, '--apply', ...config()]);
      expect(applied.stderr).toBe('');
      expect(applied.code).toBe(0);
      const lines = applied.stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^created ada@example\.com {2}\(row 2, [0-9a-f-]{36}\)$/);
      expect(lines[1]).toMatch(/^created grace@example\.com {2}\(row 3, [0-9a-f-]{36}\)$/);
      expect(lines[2]).toBe('2 created; their invitations are in the outbox (each link works once, for 7 days).');
      const listed = JSON.parse((await runCli(['user', 'list', '--json', ...config()])).stdout) as Array<{ email: string; role: string; type: string; groups: string[] }>;
      expect(listed.find((u) => u.email === 'ada@example.com')).toMatchObject({ role: 'admin', type: 'employee', groups: ['ops', 'readers'] });

      const link = await invitationLink(install, 'grace@example.com');
      const client = new TestClient(install.url);
      await client.page(link.slice(install.url.length));
      const set = await client.postForm(`${P}/password/reset`, { token: new URL(link).searchParams.get('token')!, password: 'graces own passphrase' });
      expect(set.status).toBe(303);
      expect((await client.signIn('grace@example.com', 'graces own passphrase', '/')).status).toBe(303);

      const again = await runCli(['user', 'import', file, '--apply', ...config()]);
      expect(again.code).toBe(1);
      expect(again.stderr.trim().split('\n')).toEqual([
        'people.csv: row 2: a user with email ada@example.com already exists',
        'people.csv: row 3: a user with email grace@example.com already exists',
        'user import: 2 problems; nothing written.',
      ]);
    }, SLOW);

    it('a missing file is one line and exit 1; no file is a usage error', async () => {
      const missing = await runCli(['user', 'import', path.join(tempDir(), 'nope.csv'), ...config()]);
      expect(missing.code).toBe(1);
      expect(missing.stderr.trim()).toMatch(/^recourse user import: \S+nope\.csv: no such file$/);
      const none = await runCli(['user', 'import', ...config()]);
      expect(none.code).toBe(2);
      expect(none.stderr).toMatch(/^usage: recourse user import FILE\.csv/m);
    }, SLOW);
  });
}

importCases('user import with embedded storage, through the running gateway\'s admin socket', async () => {
  const install = await writeInstall();
  const serve = await startServe(install);
  expect(fs.existsSync(path.join(install.dir, 'data', 'recourse.sock'))).toBe(true);
  return { install, serve };
});

describe.runIf(Boolean(process.env.DATABASE_URL))('on PostgreSQL', () => {
  importCases('user import with PostgreSQL while the gateway runs', async () => {
    const install = await writeInstall({ databaseUrl: await createDatabase(process.env.DATABASE_URL!) });
    const migrated = await runCli(['migrate', '--config', install.configFile]);
    expect(migrated.code).toBe(0);
    return { install, serve: await startServe(install) };
  });
});
