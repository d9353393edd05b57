import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from './ports.js';

export const SLAPD_BIN = process.env.SLAPD_BIN ?? '/usr/sbin/slapd';
const SLAPADD_BIN = process.env.SLAPADD_BIN ?? '/usr/sbin/slapadd';
export const hasSlapd = fs.existsSync(SLAPD_BIN) && fs.existsSync(SLAPADD_BIN);
export const SLAPD_MISSING = `slapd not installed (${SLAPD_BIN}); apt-get install slapd ldap-utils`;

const SCHEMA_DIR = '/etc/ldap/schema';
const MODULE_DIR = '/usr/lib/ldap';
export const SEED_LDIF = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/ldap/seed.ldif');

export const BASE_DN = 'dc=example,dc=org';
export const ADMIN_DN = `cn=admin,${BASE_DN}`;
export const ADMIN_PASSWORD = 'admin-password';
export const SERVICE_DN = `cn=recourse,ou=services,${BASE_DN}`;
export const SERVICE_PASSWORD = 'service-password';

export interface RunningSlapd {
  url: string;
  port: number;
  /** With `tls`: the ldaps:// listener (ldap:// then offers StartTLS too). */
  ldapsUrl: string | null;
  dir: string;
  /** Stops the server, keeping its data (for "the directory went away" tests). */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  start(): Promise<void>;
  /** Runs LDIF changes (ldapmodify syntax) as the directory's administrator. */
  modify(ldif: string): Promise<void>;
  /** Stops the server and removes its directory. */
  close(): Promise<void>;
}

/**
 * Debian's slapd in a fresh temp directory on a free port: slapd.conf with the core, cosine,
 * inetorgperson and nis schemas and the ppolicy overlay (whose pwdAccountLockedTime marks a
 * locked account), seeded with slapadd. The service account reads everything and may write
 * passwords; each user may bind and change their own.
 */
export async function startSlapd(options: { ldif?: string; tls?: { certFile: string; keyFile: string; hostname: string } } = {}): Promise<RunningSlapd> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recourse-slapd-'));
  const at = (name: string) => path.join(dir, name);
  fs.mkdirSync(at('data'));
  const port = await freePort();
  const tlsPort = options.tls ? await freePort() : null;
  const conf = [
    ...['core', 'cosine', 'inetorgperson', 'nis'].map((name) => `include ${SCHEMA_DIR}/${name}.schema`),
    `modulepath ${MODULE_DIR}`,
    'moduleload back_mdb',
    'moduleload ppolicy',
    `pidfile ${at('slapd.pid')}`,
    `argsfile ${at('slapd.args')}`,
    ...(options.tls ? [`TLSCertificateFile ${options.tls.certFile}`, `TLSCertificateKeyFile ${options.tls.keyFile}`] : []),
    'database mdb',
    `suffix "${BASE_DN}"`,
    `rootdn "${ADMIN_DN}"`,
    `rootpw ${ADMIN_PASSWORD}`,
    `directory ${at('data')}`,
    'maxsize 10485760',
    'overlay ppolicy',
    `access to attrs=userPassword by dn.exact="${SERVICE_DN}" write by self write by anonymous auth by * none`,
    `access to * by dn.exact="${SERVICE_DN}" read by self read by * none`,
    '',
  ].join('\n');
  fs.writeFileSync(at('slapd.conf'), conf);
  const seed = options.ldif ?? fs.readFileSync(SEED_LDIF, 'utf8');
  fs.writeFileSync(at('seed.ldif'), seed);
  try {
    await promisify(execFile)(SLAPADD_BIN, ['-f', at('slapd.conf'), '-l', at('seed.ldif')]);
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`slapadd failed: ${(error as { stderr?: string }).stderr ?? String(error)}`);
  }
  const host = options.tls?.hostname ?? '127.0.0.1';
  const url = `ldap://${host}:${port}`;
  const ldapsUrl = tlsPort ? `ldaps://${host}:${tlsPort}` : null;
  const listen = [`ldap://127.0.0.1:${port}/`, ...(tlsPort ? [`ldaps://127.0.0.1:${tlsPort}/`] : [])].join(' ');
  let child: ChildProcess | undefined;
  const handle: RunningSlapd = {
    url, port, dir, ldapsUrl,
    async start() {
      if (child) return;
      // -d 0: stay in the foreground (a child we can stop), logging nothing.
      const started = spawn(SLAPD_BIN, ['-f', at('slapd.conf'), '-h', listen, '-d', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      started.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
      child = started;
      await waitForPort(started, port, () => stderr);
    },
    async stop() {
      const running = child;
      child = undefined;
      if (running) await stopChild(running);
    },
    async modify(ldif) {
      await runWithInput('ldapmodify', ['-x', '-H', `ldap://127.0.0.1:${port}`, '-D', ADMIN_DN, '-w', ADMIN_PASSWORD], ldif);
    },
    async close() {
      await handle.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await handle.start();
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return handle;
}

function runWithInput(command: string, args: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, (error, _stdout, stderr) => (error ? reject(new Error(`${command}: ${stderr || error.message}`)) : resolve()));
    child.stdin?.end(input);
  });
}

async function waitForPort(child: ChildProcess, port: number, diagnostics: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`slapd exited with ${child.exitCode}:\n${diagnostics()}`);
    if (await canConnect(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`slapd did not listen on 127.0.0.1:${port} within 10s:\n${diagnostics()}`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
    child.kill('SIGTERM');
  });
}

/**
 * The gateway's `directory` section for a test slapd (OpenLDAP preset), the bind password written
 * to a file in `dir` as the config requires. `ldap` is laid over the defaults.
 */
export function directoryConfig(slapd: Pick<RunningSlapd, 'url'>, dir: string, ldap: Record<string, unknown> = {}, refresh = '5m'): Record<string, unknown> {
  const passwordFile = path.join(dir, `ldap-bind-${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(passwordFile, `${(ldap.bind_password as string | undefined) ?? SERVICE_PASSWORD}\n`, { mode: 0o600 });
  const { bind_password: _ignored, ...rest } = ldap;
  return {
    directory: {
      kind: 'ldap',
      refresh,
      ldap: { url: slapd.url, bind_dn: SERVICE_DN, bind_password_file: passwordFile, base_dn: BASE_DN, implementation: 'openldap', ...rest },
    },
  };
}

/**
 * The policy the directory tests run under: members of the seeded `reports` group reach
 * `/reports/**`, nobody else does; login limits out of the way (regulation is tested elsewhere).
 */
export const REPORTS_GROUP_POLICY = {
  access: {
    default: 'one_factor',
    rules: [
      { paths: ['/reports/**'], groups: ['reports'], policy: 'one_factor' },
      { paths: ['/reports/**'], policy: 'deny' },
    ],
  },
  rate_limits: { login: { max_retries: 1000, per_ip_max_retries: 1000, per_account_max_retries: 1000 } },
};
