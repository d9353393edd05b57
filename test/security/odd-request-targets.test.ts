// Attack (issue 32 findings 4, 5, 11), through the real gateway in front of one shared upstream:
// - an absolute-form target (`GET http://secret.test/a` with `Host: public.test`) judged for the
//   Host's bypass rule and forwarded raw, so a virtual-hosting upstream serves secret.test;
// - a path spelled in another case or with trailing dots or spaces (`/ADMIN/x`, `/.GIT/config`,
//   `/admin./x`, `/admin%20/x`) slipping past a deny rule, while a case-insensitive upstream
//   (Express's default router, IIS) serves the guarded resource;
// - an upstream setting the gateway's own session or CSRF cookie in the browser (cookie tossing).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfCookieName } from '../../gateway/http/cookies.js';
import { TestClient } from '../support/client.js';
import { startProxiedTestGateway, type ProxiedTestGateway } from '../support/gateway.js';
import { rawRequest } from '../support/raw-http.js';

let fixture: ProxiedTestGateway;

beforeAll(async () => {
  fixture = await startProxiedTestGateway({
    policy: {
      access: {
        default: 'one_factor',
        rules: [
          { hosts: ['public.test'], paths: ['/public/**'], policy: 'bypass' },
          { paths: ['/admin/**', '/.git/**', '/.env'], policy: 'deny' },
          { paths: ['/toss'], policy: 'bypass' },
        ],
      },
    },
  });
});
afterAll(async () => {
  await fixture?.close();
});

const port = () => Number(new URL(fixture.gw.url).port);

describe('absolute-form request targets (issue 32 finding 4)', () => {
  it('refuses one whose authority is not the Host, before anything reaches the upstream', async () => {
    const before = fixture.upstream.seen.length;
    const answer = await rawRequest(port(), 'http://secret.test/public/a', ['Host: public.test']);
    expect(answer.status).toBe(400);
    expect(fixture.upstream.seen.length).toBe(before);
  });

  it('forwards one naming the Host in origin-form', async () => {
    const answer = await rawRequest(port(), 'http://public.test/public/a?x=1', ['Host: public.test']);
    expect(answer.status).toBe(200);
    expect(fixture.upstream.last()?.url).toBe('/public/a?x=1');
  });
});

describe('path spellings a case-insensitive upstream serves as the guarded path (issue 32 finding 5)', () => {
  it.each(['/ADMIN/x', '/Admin/x', '/.GIT/config', '/.ENV', '/admin./x', '/admin%20/x', '/Admin.%20/x'])('%s is denied', async (path) => {
    const before = fixture.upstream.seen.length;
    const answer = await rawRequest(port(), path, ['Host: public.test']);
    expect(answer.status).toBe(403);
    expect(fixture.upstream.seen.length).toBe(before);
  });

  it('a bypass rule is not widened by another spelling', async () => {
    const answer = await rawRequest(port(), '/PUBLIC/a', ['Host: public.test', 'Accept: application/json']);
    expect(answer.status).toBe(401);
  });
});

describe("the gateway's cookies are not an upstream's to set (issue 32 finding 11)", () => {
  it('drops Set-Cookie for the session and CSRF cookie names and keeps the app\'s own', async () => {
    const { config } = fixture.gw;
    fixture.upstream.handle((_req, res) => {
      res.setHeader('set-cookie', [`${config.session.cookie_name}=planted; Path=/`, `${csrfCookieName(config)}=planted; Path=/`, 'app=kept; Path=/']);
      res.end('tossed');
    });
    try {
      const res = await new TestClient(fixture.gw.url).request('/toss');
      expect(res.status).toBe(200);
      expect(res.headers.getSetCookie()).toEqual(['app=kept; Path=/']);
    } finally {
      fixture.upstream.handle((_req, res) => res.end('ok'));
    }
  });
});
