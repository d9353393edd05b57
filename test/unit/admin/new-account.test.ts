import { describe, expect, it } from 'vitest';
import { checkAccountAccess, checkNewAccount } from '../../../gateway/admin/new-account.js';

describe('checkNewAccount', () => {
  it('takes the fields as typed, trimmed, with user/user and no groups or phone by default', () => {
    expect(checkNewAccount({ email: ' ada@example.com ', name: ' Ada ' })).toEqual({
      ok: true, value: { email: 'ada@example.com', name: 'Ada', role: 'user', type: 'user', groups: [], phone: null },
    });
    expect(checkNewAccount({ email: 'bo@example.com', role: 'owner', type: 'employee', groups: 'ops, Domain Admins,ops', phone: '+4915112345678' })).toEqual({
      ok: true, value: { email: 'bo@example.com', name: '', role: 'owner', type: 'employee', groups: ['Domain Admins', 'ops'], phone: '+4915112345678' },
    });
  });

  it('reports every problem, each naming its field', () => {
    const checked = checkNewAccount({ email: 'not-an-email', name: 'x'.repeat(201), role: 'emperor', type: 'robot', groups: 'ops, bad*name', phone: '0151 123' });
    expect(checked).toEqual({
      ok: false,
      problems: [
        { field: 'email', message: 'email "not-an-email" is not a valid address' },
        { field: 'name', message: 'name is longer than 200 characters' },
        { field: 'role', message: 'role "emperor" is not one of super_admin, owner, admin, user' },
        { field: 'type', message: 'type "robot" is not one of user, employee, customer' },
        { field: 'groups', message: expect.stringMatching(/^groups: invalid group name "bad\*name": expected /) },
        { field: 'phone', message: 'phone "0151 123" is not in E.164 form (e.g. +4915112345678)' },
      ],
    });
    expect(checkNewAccount({})).toEqual({ ok: false, problems: [{ field: 'email', message: 'email is missing' }] });
    expect(checkNewAccount({ email: 'a@example.com', name: 'Line\nbreak' })).toEqual({ ok: false, problems: [{ field: 'name', message: 'name contains control characters' }] });
  });
});

describe('checkAccountAccess', () => {
  it('never turns a missing role or type into a demotion when they are required', () => {
    expect(checkAccountAccess({ groups: 'ops' }, { required: true })).toEqual({
      ok: false, problems: [{ field: 'role', message: 'role is missing' }, { field: 'type', message: 'type is missing' }],
    });
    expect(checkAccountAccess({ role: 'admin', type: 'customer', groups: '' }, { required: true })).toEqual({ ok: true, value: { role: 'admin', type: 'customer', groups: [] } });
  });
});
