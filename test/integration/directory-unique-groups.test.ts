/**
 * Groups kept as groupOfUniqueNames (uniqueMember) count like groupOfNames under the OpenLDAP
 * preset, found the same by a user's own search (sign-in) and by the listing (sync, refresh), the
 * user's DN escaped in the filter; and role_groups told apart two groups of one cn in two OUs
 * when it names the group by DN. Against a real slapd seeded with seed.ldif + unique-groups.ldif.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../gateway/config/load.js';
import type { DirectoryPerson } from '../../gateway/directory/entry.js';
import { createLdapDirectory, type LdapDirectory } from '../../gateway/directory/ldap.js';
import { groupNames, roleFromGroups } from '../../gateway/directory/roles.js';
import { TEST_SECRET } from '../support/gateway.js';
import { directoryConfig, hasSlapd, SEED_LDIF, SLAPD_MISSING, startSlapd, type RunningSlapd } from '../support/slapd.js';

const UNIQUE_GROUPS_LDIF = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/ldap/unique-groups.ldif');
if (!hasSlapd) console.warn(`skipping directory groupOfUniqueNames tests: ${SLAPD_MISSING}`);

describe.skipIf(!hasSlapd)('groupOfUniqueNames under the OpenLDAP preset', () => {
  let slapd: RunningSlapd;
  let ldap: LdapDirectory;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recourse-dir-test-'));
    slapd = await startSlapd({ ldif: `${fs.readFileSync(SEED_LDIF, 'utf8')}\n${fs.readFileSync(UNIQUE_GROUPS_LDIF, 'utf8')}` });
    const config = loadConfig({ object: { session: { secret: TEST_SECRET }, ...directoryConfig(slapd, dir) }, env: {} });
    ldap = createLdapDirectory(config.directory.ldap);
  });
  afterAll(async () => {
    await ldap?.close();
    await slapd?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function found(login: string): Promise<DirectoryPerson> {
    const outcome = await ldap.find(login);
    if (outcome.found !== 'one') throw new Error(`${login}: ${outcome.found}`);
    return outcome.person;
  }

  const dns = (person: DirectoryPerson) => person.groups.map((g) => g.dn).sort();

  it('a user\'s own search finds groupOfNames and groupOfUniqueNames groups, the DN escaped', async () => {
    expect(dns(await found('bob'))).toEqual([
      'cn=admins,ou=projects,dc=example,dc=org', 'cn=auditors,ou=groups,dc=example,dc=org',
      'cn=reports,ou=groups,dc=example,dc=org', 'cn=staff,ou=groups,dc=example,dc=org',
    ]);
    expect(groupNames((await found('dave (ops)')).groups)).toEqual(['auditors']);
    expect(groupNames((await found('alice')).groups)).toEqual(['admins', 'staff']);
  });

  it('the listing (sync, refresh) finds the same groups as the search', async () => {
    const { people } = await ldap.list();
    for (const login of ['alice', 'bob', 'dave (ops)']) {
      const listed = people.find((p) => p.username === login)!;
      expect(dns(listed), login).toEqual(dns(await found(login)));
    }
  });

  it('role_groups by cn matches either "admins"; by DN only the one it names', async () => {
    const bob = await found('bob');
    const alice = await found('alice');
    const byCn = { super_admin: [], owner: [], admin: ['admins'] };
    const byDn = { super_admin: [], owner: [], admin: ['cn=admins,ou=groups,dc=example,dc=org'] };
    expect(roleFromGroups(bob.groups, byCn)).toBe('admin');
    expect(roleFromGroups(bob.groups, byDn)).toBe('user');
    expect(roleFromGroups(alice.groups, byDn)).toBe('admin');
  });
});
