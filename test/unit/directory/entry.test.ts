import { describe, expect, it } from 'vitest';
import { groupFromDn, guidToUuid, readEntry, uuidToGuidBytes } from '../../../gateway/directory/entry.js';
import { directorySettings, requestedAttributes } from '../../../gateway/directory/presets.js';

const EMPTY = { id: '', username: '', email: '', name: '', phone: '', groups: '' };
const preset = (implementation: 'openldap' | 'activedirectory', attributes = EMPTY) => directorySettings({ implementation, users_filter: '', groups_filter: '', attributes });

describe('directory entries', () => {
  // MS-DTYP 2.3.4.2: the bytes of {01020304-0506-0708-090a-0b0c0d0e0f10} as AD stores them.
  const GUID_BYTES = Buffer.from('0403020106050807090a0b0c0d0e0f10', 'hex');

  it('shows objectGUID as AD shows it, and back', () => {
    expect(guidToUuid(GUID_BYTES)).toBe('01020304-0506-0708-090a-0b0c0d0e0f10');
    expect(uuidToGuidBytes('01020304-0506-0708-090a-0b0c0d0e0f10')).toEqual(GUID_BYTES);
    expect(guidToUuid(Buffer.alloc(3))).toBe('');
  });

  it('reads an Active Directory user: sAMAccountName, memberOf, the disabled bit of userAccountControl', () => {
    const settings = preset('activedirectory');
    const entry = {
      dn: 'CN=Ann Lee,OU=Staff,DC=corp,DC=example', objectGUID: GUID_BYTES, sAMAccountName: 'alee', mail: 'ann@corp.example',
      displayName: 'Ann Lee', memberOf: ['CN=Recourse Admins,OU=Groups,DC=corp,DC=example', 'CN=Staff\\, Berlin,OU=Groups,DC=corp,DC=example'],
      userAccountControl: String(0x200 | 0x2),
    };
    const read = readEntry(entry, settings);
    expect(read).toEqual({
      ok: true,
      person: {
        id: '01020304-0506-0708-090a-0b0c0d0e0f10', dn: entry.dn, username: 'alee', email: 'ann@corp.example', name: 'Ann Lee', phone: null, disabled: true,
        groups: [{ dn: entry.memberOf[0], name: 'Recourse Admins' }, { dn: entry.memberOf[1], name: 'Staff, Berlin' }],
      },
    });
    expect(readEntry({ ...entry, userAccountControl: '512' }, settings)).toMatchObject({ ok: true, person: { disabled: false } });
    expect(requestedAttributes(settings)).toEqual(expect.arrayContaining(['objectGUID', 'sAMAccountName', 'mail', 'memberOf', 'userAccountControl']));
  });

  it('reads an OpenLDAP user: entryUUID in any case, cn when displayName is missing, a ppolicy lock as disabled', () => {
    const settings = preset('openldap');
    const entry = { dn: 'uid=bo,ou=people,dc=x', entryuuid: 'ABCDEF01-2345-6789-abcd-ef0123456789', uid: 'bo', mail: 'bo@x.org', cn: 'Bo' };
    expect(readEntry(entry, settings, () => [groupFromDn('cn=staff,ou=groups,dc=x')])).toEqual({
      ok: true,
      person: { id: 'abcdef01-2345-6789-abcd-ef0123456789', dn: entry.dn, username: 'bo', email: 'bo@x.org', name: 'Bo', phone: null, disabled: false, groups: [{ dn: 'cn=staff,ou=groups,dc=x', name: 'staff' }] },
    });
    expect(readEntry({ ...entry, pwdAccountLockedTime: '000001010000Z' }, settings)).toMatchObject({ ok: true, person: { disabled: true } });
    expect(requestedAttributes(settings)).toEqual(expect.arrayContaining(['entryUUID', 'pwdAccountLockedTime']));
  });

  it('refuses an entry without an id or an address, naming the attribute', () => {
    const settings = preset('openldap');
    expect(readEntry({ dn: 'uid=x', uid: 'x', mail: 'x@x.org' }, settings)).toEqual({ ok: false, dn: 'uid=x', problem: 'no entryUUID' });
    expect(readEntry({ dn: 'uid=x', entryUUID: 'u', uid: 'x' }, settings)).toEqual({ ok: false, dn: 'uid=x', problem: 'no mail' });
  });

  it('lets the config override a preset: a groups attribute replaces the groups search', () => {
    const settings = preset('openldap', { ...EMPTY, groups: 'memberOf', username: 'cn' });
    expect(settings.groupsFilter).toBeNull();
    expect(settings.attributes).toMatchObject({ groups: 'memberOf', username: 'cn', id: 'entryUUID' });
    expect(directorySettings({ implementation: 'activedirectory', users_filter: '', groups_filter: '(member={dn})', attributes: EMPTY }))
      .toMatchObject({ groupsFilter: '(member={dn})', attributes: { groups: '' } });
  });
});
