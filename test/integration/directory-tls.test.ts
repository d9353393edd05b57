/**
 * TLS to the directory: StartTLS on ldap:// and ldaps://, each checked against `ca_file`. A
 * directory whose certificate the CA did not sign is not talked to: sign-ins fail closed (503) and
 * readiness names the directory, the password never sent.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from '../support/client.js';
import { startProxiedTestGateway, type ProxiedTestGateway } from '../support/gateway.js';
import { hasOpenssl, makeSelfSignedCert, type SelfSignedCert } from '../support/openssl.js';
import { directoryConfig, hasSlapd, SLAPD_MISSING, startSlapd, type RunningSlapd } from '../support/slapd.js';

const P = '/.recourse';
if (!hasSlapd || !hasOpenssl) console.warn(`skipping directory TLS tests: ${hasSlapd ? 'openssl missing' : SLAPD_MISSING}`);

describe.skipIf(!hasSlapd || !hasOpenssl)('TLS to the directory', () => {
  let slapd: RunningSlapd;
  let cert: SelfSignedCert;
  let stranger: SelfSignedCert;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recourse-dir-test-'));
    cert = makeSelfSignedCert('localhost');
    stranger = makeSelfSignedCert('localhost');
    // slapd (GnuTLS) reads the key as the user it runs as.
    fs.chmodSync(cert.keyFile, 0o644);
    slapd = await startSlapd({ tls: { certFile: cert.certFile, keyFile: cert.keyFile, hostname: 'localhost' } });
  });
  afterAll(async () => {
    await slapd?.close();
    cert?.remove();
    stranger?.remove();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function signInWith(ldap: Record<string, unknown>) {
    const fixture: ProxiedTestGateway = await startProxiedTestGateway({ config: directoryConfig(slapd, dir, ldap) });
    try {
      const res = await new TestClient(fixture.gw.url).signIn('alice', 'alice-password-1');
      const ready = await fetch(`${fixture.gw.url}${P}/readyz`);
      return { status: res.status, ready: ready.status };
    } finally {
      await fixture.close();
    }
  }

  it('signs in over StartTLS and over ldaps:// with the CA in ca_file', async () => {
    expect(await signInWith({ start_tls: true, ca_file: cert.certFile })).toEqual({ status: 303, ready: 200 });
    expect(await signInWith({ url: slapd.ldapsUrl, ca_file: cert.certFile })).toEqual({ status: 303, ready: 200 });
  });

  it('refuses a directory whose certificate ca_file did not sign: 503, readyz names it', async () => {
    expect(await signInWith({ start_tls: true, ca_file: stranger.certFile })).toEqual({ status: 503, ready: 503 });
    expect(await signInWith({ url: slapd.ldapsUrl, ca_file: stranger.certFile })).toEqual({ status: 503, ready: 503 });
  });
});
