/**
 * The list queries' zod schemas (admin/filters.ts), which the dashboard parses with and the JSON API
 * validates and describes itself with: what each parameter forgives (case, spaces, `all`, empty)
 * and what it refuses, naming the first bad parameter.
 */
import { describe, expect, it } from 'vitest';
import { auditCursor, requestCursor } from '../../../gateway/admin/cursor.js';
import { auditListQuery, parseRequestQuery, refusedParam } from '../../../gateway/admin/filters.js';

const ID = '0b7a3c4e-1d2f-4a5b-8c9d-0e1f2a3b4c5d';

describe('request list query', () => {
  it('takes a status and type in any case, `all` or empty for every one, and no status as the default', () => {
    expect(parseRequestQuery({}, 10, 'pending')).toEqual({ ok: true, value: { status: 'pending', type: null, after: null, limit: 10 } });
    expect(parseRequestQuery({}, 10, null)).toMatchObject({ value: { status: null } });
    for (const all of ['', 'all', ' ALL ']) expect(parseRequestQuery({ status: all, type: all }, 10, 'pending')).toMatchObject({ value: { status: null, type: null } });
    expect(parseRequestQuery({ status: ' Approved ', type: 'EMPLOYEE' }, 10, null)).toMatchObject({ value: { status: 'approved', type: 'employee' } });
  });

  it('pages from a cursor it made, and treats an empty one as the first page', () => {
    const at = new Date('2026-03-01T09:00:00Z');
    expect(parseRequestQuery({ cursor: requestCursor({ createdAt: at, id: ID }) }, 10, null)).toMatchObject({ value: { after: { createdAt: at, id: ID } } });
    expect(parseRequestQuery({ cursor: '' }, 10, null)).toMatchObject({ value: { after: null } });
  });

  it('refuses an unknown value or a foreign cursor, naming the first bad parameter', () => {
    expect(parseRequestQuery({ status: 'open' }, 10, null)).toEqual({ ok: false, param: 'status' });
    expect(parseRequestQuery({ status: 'open', type: 'robot' }, 10, null)).toEqual({ ok: false, param: 'status' });
    expect(parseRequestQuery({ type: 'robot' }, 10, null)).toEqual({ ok: false, param: 'type' });
    for (const cursor of ['!!', auditCursor({ id: 5 }), 'a'.repeat(513)]) expect(parseRequestQuery({ cursor }, 10, null)).toEqual({ ok: false, param: 'cursor' });
  });
});

describe('audit list query', () => {
  const parse = (query: Record<string, string>) => auditListQuery.safeParse(query);

  it('takes an event, instants as ISO 8601 or datetime-local read as UTC, and its own cursor', () => {
    expect(parse({}).data).toEqual({ event: null, since: null, until: null, cursor: null });
    expect(parse({ event: ' logout ', since: '2026-03-01T09:00', until: '2026-03-02T00:00:00+01:00', cursor: auditCursor({ id: 42 }) }).data).toEqual({
      event: 'logout', since: new Date('2026-03-01T09:00:00Z'), until: new Date('2026-03-01T23:00:00Z'), cursor: 42,
    });
    expect(parse({ user: '  carol@example.com ', actor: 'cli' }).data).toMatchObject({ user: 'carol@example.com', actor: 'cli' });
  });

  it('refuses an unknown event, a bad instant, an overlong user and a foreign cursor', () => {
    const refused = (query: Record<string, string>) => {
      const result = parse(query);
      return result.success ? 'accepted' : refusedParam(result.error);
    };
    expect(refused({ event: 'made.up' })).toBe('event');
    expect(refused({ since: 'yesterday' })).toBe('since');
    expect(refused({ until: '2026-13-45' })).toBe('until');
    expect(refused({ user: `${'a'.repeat(310)}@example.com` })).toBe('user');
    expect(refused({ cursor: requestCursor({ createdAt: new Date(), id: ID }) })).toBe('cursor');
  });
});
