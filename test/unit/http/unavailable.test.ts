import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../../db/unavailable.js';
import type { AppEnv } from '../../../gateway/http/env.js';
import { answerUnavailable } from '../../../gateway/http/unavailable.js';

const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable: an outage of the database, not a fault in the request', () => {
  it('knows node-postgres and PGlite connection failures, wrapped or not', () => {
    const outages = [
      coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'),
      coded('ECONNRESET'),
      new Error('Connection terminated unexpectedly'),
      new Error('Connection terminated due to connection timeout'),
      new Error('timeout exceeded when trying to connect'),
      coded('57P01', 'terminating connection due to administrator command'),
      coded('57P03', 'the database system is starting up'),
      coded('08006', 'connection failure'),
      coded('53300', 'sorry, too many clients already'),
      coded('57014', 'canceling statement due to statement timeout'),
      new Error('PGlite is closed'),
      // drizzle's "Failed query" wrapper, and Node's dual-stack refusal.
      Object.assign(new Error('Failed query: select 1\nparams: '), { cause: coded('ECONNREFUSED') }),
      Object.assign(new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')], ''), {}),
    ];
    for (const error of outages) expect(isDatabaseUnavailable(error), String(error)).toBe(true);
  });

  it('leaves everything else to the 500 path', () => {
    const faults = [
      new Error('Failed query: insert …'),
      coded('23505', 'duplicate key value violates unique constraint'),
      coded('42P01', 'relation "nope" does not exist'),
      new TypeError('Cannot read properties of undefined'),
      Object.assign(new Error('Failed query'), { cause: coded('22P02', 'invalid input syntax for type uuid') }),
      'a string', null, undefined,
    ];
    for (const error of faults) expect(isDatabaseUnavailable(error), String(error)).toBe(false);
    // A cycle of causes ends.
    const loop: Error & { cause?: unknown } = new Error('loop');
    loop.cause = loop;
    expect(isDatabaseUnavailable(loop)).toBe(false);
  });
});

describe('answerUnavailable', () => {
  const app = new Hono<AppEnv>();
  app.get('*', (c) => answerUnavailable(c, '/.recourse'));

  it('a page for browsers, JSON for the API and JSON callers, 503 with Retry-After for all', async () => {
    const page = await app.request('/.recourse/login');
    expect(page.status).toBe(503);
    expect(page.headers.get('retry-after')).toBe('5');
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('briefly unavailable');
    for (const [path, headers] of [['/.recourse/api/v1/audit-logs', {}], ['/.recourse/account', { accept: 'application/json' }]] as const) {
      const json = await app.request(path, { headers });
      expect(json.status).toBe(503);
      expect(json.headers.get('retry-after')).toBe('5');
      expect(await json.json()).toEqual({ error: { code: 'unavailable', message: expect.stringContaining('briefly unavailable') } });
    }
  });
});
