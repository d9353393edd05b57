import { describe, expect, it } from 'vitest';
import { checkGroups, describeGroupsProblem, isGroupName, MAX_GROUPS_PER_USER, parseGroupList } from '../../../gateway/core/groups.js';

describe('group names', () => {
  it.each(['ops', 'Grafana-Admins', 'team.payments', 'svc_backup', 'a', '9', 'Domain Admins', 'ops@example.org', 'x'.repeat(64)])('accepts %j', (name) => {
    expect(isGroupName(name)).toBe(true);
  });

  // A comma would split one name into two in the groups header; `*` is the policy's wildcard;
  // control characters and non-ASCII would be mangled in a header; edge spaces get lost in forms.
  it.each(['', 'a,b', '*', 'ops*', ' ops', 'ops ', '-ops', '.ops', 'x'.repeat(65), 'ops\nX-Injected: 1', 'ops\u0000', 'Ärzte', 'a;b', 'a/b', 'a:b'])('refuses %j', (name) => {
    expect(isGroupName(name)).toBe(false);
  });

  it('parses a typed list: trims, drops empty parts and duplicates, sorts', () => {
    expect(parseGroupList(' ops, sre,,ops , Domain Admins ')).toEqual({ ok: true, groups: ['Domain Admins', 'ops', 'sre'] });
    expect(parseGroupList('')).toEqual({ ok: true, groups: [] });
    expect(parseGroupList(' , ')).toEqual({ ok: true, groups: [] });
  });

  it('keeps case: Ops and ops are two groups, as the apps reading them see it', () => {
    expect(parseGroupList('ops,Ops')).toEqual({ ok: true, groups: ['Ops', 'ops'] });
  });

  it('names the first bad name, in a sentence', () => {
    const outcome = parseGroupList('ops, bad*name');
    expect(outcome).toEqual({ ok: false, reason: 'invalid_name', name: 'bad*name' });
    if (outcome.ok) return;
    expect(describeGroupsProblem(outcome)).toMatch(/^invalid group name "bad\*name": expected 1–64 letters/);
  });

  it(`refuses more than ${MAX_GROUPS_PER_USER} groups for one user`, () => {
    const many = Array.from({ length: MAX_GROUPS_PER_USER + 1 }, (_, i) => `g${i}`);
    expect(checkGroups(many)).toEqual({ ok: false, reason: 'too_many' });
    expect(checkGroups(many.slice(1))).toMatchObject({ ok: true });
  });
});
