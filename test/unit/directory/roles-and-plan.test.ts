import { describe, expect, it } from 'vitest';
import type { UserRow } from '../../../db/schema/index.js';
import type { DirectoryPerson } from '../../../gateway/directory/entry.js';
import { planSync } from '../../../gateway/directory/plan.js';
import { roleFromGroups, typeFromGroups } from '../../../gateway/directory/roles.js';

const mapping = {
  role_groups: { super_admin: ['cn=Root,ou=groups,dc=x'], owner: [], admin: ['admins'] },
  type_groups: { employee: ['STAFF'], customer: [] },
};
const group = (name: string) => ({ dn: `cn=${name},ou=groups,dc=x`, name });

function person(id: string, extra: Partial<DirectoryPerson> = {}): DirectoryPerson {
  return { id, dn: `uid=${id},dc=x`, username: id, email: `${id}@x.org`, name: id, phone: null, groups: [], disabled: false, ...extra };
}
function row(id: string, extra: Partial<UserRow> = {}): UserRow {
  const at = new Date(0);
  return {
    id: `row-${id}`, email: `${id}@x.org`, name: id, role: 'user', type: 'user', phone: null, passwordHash: null, active: true,
    dataProtectionLevel: 0, expertMode: false, directoryId: id, disabledByAdmin: false, createdAt: at, updatedAt: at, ...extra,
  } as UserRow;
}

describe('groups to role and type', () => {
  it('matches a DN (any case and spacing) or a cn; the strongest role wins', () => {
    expect(roleFromGroups([{ dn: 'CN=root, OU=Groups, DC=x', name: 'root' }, group('admins')], mapping.role_groups)).toBe('super_admin');
    expect(roleFromGroups([group('Admins')], mapping.role_groups)).toBe('admin');
    expect(roleFromGroups([group('staff')], mapping.role_groups)).toBe('user');
    expect(typeFromGroups([group('staff')], mapping.type_groups)).toBe('employee');
  });
});

describe('the sync plan', () => {
  it('creates, changes, disables, and leaves conflicts and disabled newcomers alone', () => {
    const plan = planSync({
      people: [
        person('new'),
        person('renamed', { email: 'renamed.now@x.org' }),
        person('promoted', { groups: [group('admins')] }),
        person('locked', { disabled: true }),
        person('locked-newcomer', { disabled: true }),
        person('clash', { email: 'local@x.org' }),
        person('same'),
      ],
      rows: [row('renamed'), row('promoted'), row('locked'), row('gone'), row('local', { directoryId: null }), row('same')],
      groupsOf: () => [],
      mapping,
    });
    expect(plan.create.map((p) => p.id)).toEqual(['new']);
    expect(plan.update.map((u) => [u.person.id, u.changed])).toEqual([['renamed', ['email']], ['promoted', ['role', 'groups']]]);
    expect(plan.disable.map((d) => [d.row.directoryId, d.why])).toEqual([['locked', 'disabled'], ['gone', 'removed']]);
    expect(plan.conflicts.map((c) => [c.person.id, c.holder.id])).toEqual([['clash', 'row-local']]);
  });

  it('keeps a user an administrator disabled here disabled, while other changes still follow the directory', () => {
    const plan = planSync({
      people: [person('held'), person('held-renamed', { email: 'new.name@x.org' })],
      rows: [row('held', { active: false, disabledByAdmin: true }), row('held-renamed', { active: false, disabledByAdmin: true })],
      groupsOf: () => [],
      mapping,
    });
    expect(plan.disable).toEqual([]);
    expect(plan.update.map((u) => [u.person.id, u.changed])).toEqual([['held-renamed', ['email']]]);
  });
});

describe('group names', () => {
  it('leaves out names the groups header cannot carry, and says which', async () => {
    const { localFields } = await import('../../../gateway/directory/person.js');
    const fields = localFields(person('p', { groups: [group('staff'), { dn: 'cn=Staff\\, Berlin,dc=x', name: 'Staff, Berlin' }, group('staff')] }), mapping);
    expect(fields.groups).toEqual(['staff']);
    expect(fields.groupsLeftOut).toEqual(['Staff, Berlin']);
  });
});
