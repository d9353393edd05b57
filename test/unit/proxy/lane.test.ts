import type { IncomingMessage, ServerResponse } from 'node:http';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../gateway/config/load.js';
import { FixedClock } from '../../../gateway/core/clock.js';
import type { AccessLevel } from '../../../gateway/proxy/decide.js';
import type { ForwardOutcome } from '../../../gateway/proxy/forward.js';
import { createAppRouter } from '../../../gateway/proxy/hosts.js';
import { createProxyLane, plainRequestPath } from '../../../gateway/proxy/lane.js';
import type { AllowedRequest } from '../../../gateway/proxy/pass-through.js';
import type { SessionView } from '../../../gateway/session/store.js';

describe('plainRequestPath: the paths the lane may judge without Hono', () => {
  it('takes an ordinary path as received, without its query', () => {
    expect(plainRequestPath('/some/page', '/.recourse')).toBe('/some/page');
    expect(plainRequestPath('/a/b-c_d.e~f/', '/.recourse')).toBe('/a/b-c_d.e~f/');
    expect(plainRequestPath("/x/!$&'()*+,;=:@[]", '/.recourse')).toBe("/x/!$&'()*+,;=:@[]");
    expect(plainRequestPath('/search?q=a%20b&x=../..#frag', '/.recourse')).toBe('/search');
    expect(plainRequestPath('/', '/.recourse')).toBe('/');
    expect(plainRequestPath('/Admin/Page', '/.recourse')).toBe('/Admin/Page');
  });

  it('sends every path Hono would decode, normalise or refuse through Hono', () => {
    for (const target of [
      '/%61dmin', '/a/%2e%2e/admin', '/a%2fb', '/public/../admin', '/public/./x', '/a/..', '/a/.',
      '/a\\b', '/a#b', '/a b', '/a"b', '/a<b>', '/a{b}', '/a|b', '/a^b', '/a`b', '/Ä',
      'http://app.example/x', '*', '', '//double/slash/../x',
    ]) {
      expect(plainRequestPath(target, '/.recourse'), target).toBeUndefined();
    }
  });

  it("leaves the gateway's own prefix to Hono", () => {
    expect(plainRequestPath('/.recourse/login', '/.recourse')).toBeUndefined();
    expect(plainRequestPath('/.recourse', '/.recourse')).toBeUndefined();
    expect(plainRequestPath('/auth/login', '/auth')).toBeUndefined();
    expect(plainRequestPath('/author', '/auth')).toBeUndefined();
  });
});

const config = loadConfig({
  object: {
    server: { listen: '127.0.0.1:9091', public_url: 'http://127.0.0.1:9091' },
    session: { secret: 'unit-secret-unit-secret-unit-secret-0123456789' },
    apps: [{ name: 'app', host: '*', upstream: 'http://127.0.0.1:9' }],
  },
  env: {},
  cwd: '/tmp',
});

const view: SessionView = {
  idHash: 'h', user: { id: 'u1', email: 'ada@example.com', name: 'Ada', role: 'user', type: 'employee', groups: [] },
  authLevel: 2, restricted: false, secondFactorAt: null, secondFactorAmr: null, createdAt: new Date(0), lastSeenAt: new Date(0), expiresAt: new Date(8.64e15), obligations: [],
};

function request(url: string, headers: Record<string, string> = {}, method = 'GET'): IncomingMessage {
  const all = { host: 'app.example', ...headers };
  return {
    method, url, headers: all, rawHeaders: Object.entries(all).flat(), socket: { remoteAddress: '127.0.0.1' },
  } as unknown as IncomingMessage;
}

/** A lane whose dependencies record what happened; `level` is the policy's answer for every request. */
function laneWith(options: { level?: AccessLevel; session?: SessionView | null | undefined; storeError?: Error; outcome?: ForwardOutcome }) {
  const passed: AllowedRequest[] = [];
  const handedToHono: string[] = [];
  const written: Array<{ status: number; body: string }> = [];
  const lane = createProxyLane({
    config, appFor: createAppRouter(config.apps), clock: new FixedClock(), isTrustedPeer: () => false,
    access: { decideAccess: () => options.level ?? 'one_factor' },
    sessions: {
      resolveFromMemory: () => options.session,
      resolve: async () => {
        if (options.storeError) throw options.storeError;
        return options.session === undefined ? view : options.session;
      },
    },
    passThrough: async (allowed) => {
      passed.push(allowed);
      return options.outcome ?? { ok: true, streamed: true, status: 200 };
    },
    logger: pino({ level: 'silent' }),
  });
  const outgoing = {
    headersSent: false,
    writeHead(status: number) {
      return { end: (body: string) => written.push({ status, body }) };
    },
  } as unknown as ServerResponse;
  const hono = (incoming: IncomingMessage) => void handedToHono.push(incoming.url!);
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return { lane: (incoming: IncomingMessage) => lane(incoming, outgoing, hono), passed, handedToHono, written, settle };
}

describe('the proxy lane', () => {
  it('serves an allowed request itself, with the identity the decision saw', async () => {
    const t = laneWith({ session: view });
    t.lane(request('/some/page?x=1', { cookie: 'recourse_session=abc; theme=dark' }));
    await t.settle();
    expect(t.handedToHono).toEqual([]);
    expect(t.passed).toHaveLength(1);
    expect(t.passed[0]).toMatchObject({ rawUrl: '/some/page?x=1', method: 'GET', host: 'app.example', proto: 'http', peer: '127.0.0.1', session: view });
    expect(t.passed[0]!.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('waits for the session store when memory cannot tell, then serves', async () => {
    const t = laneWith({ session: undefined });
    t.lane(request('/some/page'));
    await t.settle();
    expect(t.passed[0]?.session).toBe(view);
  });

  it('hands every answer that is not the app\'s to Hono: sign-in, step-up, denial', async () => {
    for (const [level, session] of [['one_factor', null], ['deny', view], ['two_factor', { ...view, authLevel: 1 as const }]] as const) {
      const t = laneWith({ level, session });
      t.lane(request('/some/page'));
      await t.settle();
      expect(t.passed, level).toEqual([]);
      expect(t.handedToHono, level).toEqual(['/some/page']);
    }
  });

  it('hands unusual requests to Hono without deciding anything', async () => {
    const t = laneWith({ session: view });
    t.lane(request('/%61dmin'));
    t.lane(request('/.recourse/login'));
    t.lane(request('/some/page', {}, 'HEAD'));
    t.lane(request('/some/page', { host: 'App.Example' }));
    t.lane(request('/some/page', { upgrade: 'websocket' }));
    const twoHosts = request('/some/page');
    (twoHosts.rawHeaders as string[]).push('Host', 'evil.example');
    t.lane(twoHosts);
    await t.settle();
    expect(t.passed).toEqual([]);
    expect(t.handedToHono).toHaveLength(6);
  });

  it('answers 503 itself when the session store fails, and the upstream failure pages', async () => {
    const down = laneWith({ session: undefined, storeError: new Error('connection refused') });
    down.lane(request('/some/page'));
    await down.settle();
    expect(down.written.map((w) => w.status)).toEqual([503]);
    expect(down.passed).toEqual([]);

    for (const [failure, status] of [['unreachable', 502], ['timeout', 504]] as const) {
      const t = laneWith({ session: view, outcome: { ok: false, failure, error: 'ECONNREFUSED' } });
      t.lane(request('/some/page'));
      await t.settle();
      expect(t.written.map((w) => w.status)).toEqual([status]);
      expect(t.written[0]!.body).toContain('The application is');
    }
  });
});
