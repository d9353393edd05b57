import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { desc, eq } from 'drizzle-orm';
import { Agent, buildConnector } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { auditLog } from '../../db/schema/index.js';
import { TestClient } from '../support/client.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { hasNginx, NGINX_BIN, startNginxSite } from '../support/nginx.js';
import { hasOpenssl, makeSelfSignedCert, OPENSSL_BIN, type SelfSignedCert } from '../support/openssl.js';
import { freePort } from '../support/ports.js';
import { openTestStorage } from '../support/storage.js';
import { startEchoUpstream } from '../support/upstream.js';

/**
 * docs/deployment.md, "TLS termination and `trust_proxy`": Debian's nginx terminates TLS with the
 * guide's server block in front of a gateway configured with the guide's `server` keys. The blocks
 * are read from the Markdown, so the guide cannot drift from what this test runs. The only changes:
 * nginx listens on a spare loopback port instead of 443, the certificate is a throwaway self-signed
 * one, and the gateway is wherever the test started it instead of 127.0.0.1:8080.
 *
 * The client reaches https://app.example.com: its connections go to nginx's port, with SNI and
 * certificate checks for app.example.com, from 127.0.0.2, so the client's address differs from the
 * proxy's (nginx reaches the gateway from 127.0.0.1, the address the guide's trust_proxy lists).
 */
const HOST = 'app.example.com';
const ORIGIN = `https://${HOST}`;
const CLIENT_IP = '127.0.0.2';
const P = '/.recourse';
const PASSWORD = 'correct horse battery';
const DOC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/deployment.md');

/** The fenced block between `<!-- deployment:NAME:begin/end -->` in docs/deployment.md, verbatim. */
function documentedBlock(name: string): string {
  const block = new RegExp(`<!-- deployment:${name}:begin -->\\s*\`\`\`\\w+\\n([\\s\\S]*?)\`\`\`\\s*<!-- deployment:${name}:end -->`).exec(fs.readFileSync(DOC, 'utf8'));
  if (!block) throw new Error(`${DOC}: the block between the deployment:${name} markers is missing`);
  return block[1]!;
}

function replaceAll(text: string, replacements: Array<[string, string]>): string {
  for (const [from, to] of replacements) {
    if (!text.includes(from)) throw new Error(`docs/deployment.md: the nginx block no longer contains "${from}"`);
    text = text.replaceAll(from, to);
  }
  return text;
}

/** A TestClient whose every request goes over TLS to nginx, as a browser at app.example.com would. */
class HttpsClient extends TestClient {
  constructor(private readonly dispatcher: Agent) {
    super(ORIGIN);
  }
  override request(target: string, init: RequestInit = {}): Promise<Response> {
    return super.request(target, { ...init, dispatcher: this.dispatcher } as RequestInit);
  }
}

const missing = [!hasNginx && `nginx (${NGINX_BIN})`, !hasOpenssl && `openssl (${OPENSSL_BIN})`].filter(Boolean);
if (missing.length > 0) console.warn(`${missing.join(' and ')} not found: skipping the TLS deployment test (CI installs them with apt-get).`);

describe.skipIf(missing.length > 0)('nginx terminating TLS in front of the gateway (docs/deployment.md)', () => {
  let cert: SelfSignedCert;
  let storage: Awaited<ReturnType<typeof openTestStorage>>;
  let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
  let gw: TestGateway;
  let nginx: { stop(): Promise<void> };
  let agent: Agent;
  let userId: string;

  beforeAll(async () => {
    cert = makeSelfSignedCert(HOST);
    storage = await openTestStorage();
    upstream = await startEchoUpstream();
    const { server } = YAML.parse(documentedBlock('tls-config')) as { server: { public_url: string; trust_proxy: string[] } };
    gw = await startTestGateway({ storage, upstream: upstream.url, config: { server: { public_url: server.public_url, trust_proxy: server.trust_proxy } } });
    userId = await gw.addUser({ email: 'tess@example.com', password: PASSWORD });
    const port = await freePort();
    nginx = await startNginxSite(replaceAll(documentedBlock('tls-nginx'), [
      ['listen 443 ssl;', `listen 127.0.0.1:${port} ssl;`],
      ['/etc/ssl/app.example.com.pem', cert.certFile],
      ['/etc/ssl/app.example.com.key', cert.keyFile],
      ['http://127.0.0.1:8080', gw.url],
    ]), port);
    const connect = buildConnector({ ca: cert.pem });
    agent = new Agent({
      connect: (options, callback) => connect({ ...options, hostname: '127.0.0.1', port: String(port), servername: HOST, localAddress: CLIENT_IP }, callback),
    });
  });
  afterAll(async () => {
    await agent?.close();
    await nginx?.stop();
    await gw?.close();
    await upstream?.close();
    await storage?.close();
    cert?.remove();
  });

  async function signIn(headers: Record<string, string> = {}): Promise<{ client: HttpsClient; res: Response }> {
    const client = new HttpsClient(agent);
    const { res: form } = await client.page(`${P}/login`);
    expect(form.status).toBe(200);
    const res = await client.postForm(`${P}/login`, { email: 'tess@example.com', password: PASSWORD, rd: `${ORIGIN}/reports` }, headers);
    expect(res.status).toBe(303);
    return { client, res };
  }

  it('serves the login page over TLS with HSTS, and sends an anonymous visitor there with an https rd', async () => {
    // A client's own X-Forwarded-Proto is replaced by nginx's $scheme.
    const bounced = await new HttpsClient(agent).request('/reports?q=1', { headers: { 'x-forwarded-proto': 'http' } });
    expect(bounced.status).toBe(302);
    expect(bounced.headers.get('location')).toBe(`${P}/login?rd=${encodeURIComponent(`${ORIGIN}/reports?q=1`)}`);
    const { res } = await new HttpsClient(agent).page(bounced.headers.get('location')!);
    expect(res.status).toBe(200);
    expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
  });

  it('signs in through nginx with a Secure session cookie, and the app sees https', async () => {
    const { client, res } = await signIn();
    expect(res.headers.get('location')).toBe(`${ORIGIN}/reports`);
    const session = res.headers.getSetCookie().find((line) => line.startsWith('recourse_session='));
    expect(session).toBeDefined();
    expect(session!.split(';').map((a) => a.trim().toLowerCase())).toEqual(expect.arrayContaining(['secure', 'httponly']));

    const app = await client.request('/reports', { headers: { 'x-forwarded-proto': 'http' } });
    expect(app.status).toBe(200);
    expect(await app.text()).toBe('hello GET /reports');
    expect(upstream.last()!.headers['x-forwarded-proto']).toBe('https');
    expect(upstream.last()!.headers['remote-user']).toBe(userId);
  });

  it('records the client\'s address, not one it forged in X-Forwarded-For, nor the proxy\'s', async () => {
    await signIn({ 'x-forwarded-for': '203.0.113.9' });
    const [row] = await storage.db.select().from(auditLog).where(eq(auditLog.event, 'login.succeeded')).orderBy(desc(auditLog.id)).limit(1);
    // nginx appends the peer it saw (127.0.0.2) to the forged header; read right to left, that is
    // the first address that is not a trusted proxy.
    expect(row!.ip).toBe(CLIENT_IP);
  });
});
