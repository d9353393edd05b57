import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const OPENSSL_BIN = process.env.OPENSSL_BIN ?? 'openssl';
export const hasOpenssl = spawnSync(OPENSSL_BIN, ['version'], { stdio: 'ignore' }).status === 0;

export interface SelfSignedCert {
  /** PEM of the certificate, which is also its own CA: hand it to a client as `ca`. */
  pem: string;
  certFile: string;
  keyFile: string;
  remove(): void;
}

/**
 * A throwaway self-signed certificate for `hostname` (P-256, valid one day, the name in its
 * subjectAltName as TLS clients require), written with `openssl` into a fresh temp directory.
 */
export function makeSelfSignedCert(hostname: string): SelfSignedCert {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recourse-tls-'));
  const certFile = path.join(dir, `${hostname}.pem`);
  const keyFile = path.join(dir, `${hostname}.key`);
  execFileSync(OPENSSL_BIN, [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', `/CN=${hostname}`, '-addext', `subjectAltName=DNS:${hostname}`, '-keyout', keyFile, '-out', certFile,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  return {
    pem: fs.readFileSync(certFile, 'utf8'),
    certFile,
    keyFile,
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
