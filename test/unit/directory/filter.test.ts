// Attack: LDAP filter injection. What a user types into the sign-in form is put into users_filter;
// unescaped, `*` would match anyone and `)(` would add clauses (RFC 4515 §3).
import { describe, expect, it } from 'vitest';
import { fillFilter, listingFilter } from '../../../gateway/directory/filter.js';

const TEMPLATE = '(&(|(uid={input})(mail={input}))(objectClass=inetOrgPerson))';

describe('filters', () => {
  it('escapes every character RFC 4515 reserves, wherever {input} appears', () => {
    expect(fillFilter(TEMPLATE, 'input', 'a*b(c)d\\e\0f')).toBe('(&(|(uid=a\\2ab\\28c\\29d\\5ce\\00f)(mail=a\\2ab\\28c\\29d\\5ce\\00f))(objectClass=inetOrgPerson))');
  });

  it('leaves ordinary names and addresses as they are', () => {
    expect(fillFilter(TEMPLATE, 'input', 'alice@example.org')).toBe('(&(|(uid=alice@example.org)(mail=alice@example.org))(objectClass=inetOrgPerson))');
    expect(fillFilter('(member={dn})', 'dn', 'uid=o\\2c brien,ou=people')).toBe('(member=uid=o\\5c2c brien,ou=people)');
  });

  it('turns the placeholder into a presence test for listing', () => {
    expect(listingFilter(TEMPLATE, 'input')).toBe('(&(|(uid=*)(mail=*))(objectClass=inetOrgPerson))');
  });
});
