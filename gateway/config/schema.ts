import { isIP } from 'node:net';
import { z } from 'zod';
import { EMBEDDED_SETTINGS } from '../../db/embedded-settings.js';
import { parseDuration } from '../core/duration.js';
import { directorySchema, type DirectoryConfig } from './directory-schema.js';
import { appIdentitySchema } from './identity-schema.js';

/** A duration written as `30s`, `10m`, `12h`, `7d`, turned into milliseconds. */
const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: 'expected a duration like 30s, 10m, 12h or 7d' });
    return z.NEVER;
  }
  return ms;
});

const listen = z.string().regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:8080');
const httpUrl = z.string().refine((value) => /^https?:\/\/[^/\s]+/.test(value), 'expected an http(s) URL');
// Checked here so a bad entry is a config problem with its key path, not a crash when the proxy list is built.
const cidr = z.string().refine((value) => {
  const [address = '', bits, extra] = value.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}, 'expected an IP address or CIDR');
const upstream = z.string().refine((value) => value.startsWith('builtin:demo') || /^https?:\/\/[^/\s]+/.test(value), 'expected an http(s) URL or builtin:demo');
const timeZone = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'expected an IANA time zone such as UTC or Europe/Berlin');

export const configSchema = z.strictObject({
  server: z.strictObject({
    listen: listen.default('127.0.0.1:8080'),
    public_url: httpUrl.default('http://localhost:8080'),
    prefix: z.string().regex(/^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/, 'expected a path such as /.recourse').default('/.recourse'),
    trust_proxy: z.array(cidr).default([]),
    time_zone: timeZone.default('UTC'),
    metrics_listen: z.union([listen, z.literal('')]).default(''),
    // Beyond loopback, the clients that may read P/metrics under the prefix (http/metrics-access.ts).
    metrics_allow: z.array(cidr).default([]),
    body_limit: z.number().int().positive().default(64 * 1024),
    // Hashes that may wait for a thread-pool slot; past that, 503 (security/password.ts).
    password_hash_queue: z.number().int().min(0).default(128),
    // On SIGTERM, how long requests in flight may take to finish before their connections are cut (http/drain.ts).
    shutdown_timeout: duration.prefault('10s'),
  }).prefault({}),
  session: z.strictObject({
    secret: z.string().min(32, 'must be at least 32 bytes').optional(),
    secret_file: z.string().default('./data/session.key'),
    max_age: duration.prefault('12h'),
    idle_timeout: duration.prefault('30m'),
    cookie_name: z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected letters, digits, _ or -').default('recourse_session'),
    cookie_domain: z.string().default(''),
  }).prefault({}),
  storage: z.strictObject({
    database_url: z.union([z.literal(''), z.string().regex(/^postgres(ql)?:\/\//, 'expected postgres://… or empty')]).default(''),
    data_dir: z.string().default('./data'),
    // PostgreSQL's page cache inside the gateway's process (embedded storage only); db/embedded.ts.
    embedded_shared_buffers: z.string().regex(/^\d+(kB|MB|GB)$/, 'expected a size such as 8MB').default(EMBEDDED_SETTINGS.shared_buffers),
  }).prefault({}),
  redis: z.strictObject({
    url: z.union([z.literal(''), z.string().regex(/^rediss?:\/\//, 'expected redis://… or empty')]).default(''),
  }).prefault({}),
  mail: z.strictObject({
    smtp_url: z.union([z.literal(''), z.string().regex(/^smtps?:\/\//, 'expected smtp://… or smtps://… or empty')]).default(''),
    smtp_url_file: z.string().optional(),
    tls_reject_unauthorized: z.boolean().default(true),
    from: z.string().default('Recourse <no-reply@localhost>'),
    outbox_dir: z.string().default('./data/outbox'),
  }).prefault({}),
  sms: z.strictObject({
    webhook_url: z.union([z.literal(''), httpUrl]).default(''),
  }).prefault({}),
  geoip: z.strictObject({
    city_db: z.string().default(''),
    asn_db: z.string().default(''),
    anonymous_db: z.string().default(''),
  }).prefault({}),
  policies: z.strictObject({
    dir: z.string().default('./policies'),
  }).prefault({}),
  proxy: z.strictObject({
    timeout: duration.prefault('30s'),
    connect_timeout: duration.prefault('5s'),
  }).prefault({}),
  directory: directorySchema.prefault({}),
  log: z.strictObject({
    level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  }).prefault({}),
  apps: z.array(z.strictObject({
    name: z.string().min(1),
    host: z.string().min(1),
    upstream,
    // WebSocket upgrades (RFC 6455) are judged like any request and relayed; false refuses them (403).
    websockets: z.boolean().default(true),
    identity: appIdentitySchema.prefault({}),
  })).prefault([{ name: 'demo', host: '*', upstream: 'builtin:demo' }]),
}).superRefine((config, ctx) => {
  if (config.session.idle_timeout > config.session.max_age) {
    ctx.addIssue({ code: 'custom', path: ['session', 'idle_timeout'], message: 'must not exceed session.max_age' });
  }
});

export type RawConfig = z.output<typeof configSchema>;

/** The loaded configuration: the schema's output with secrets resolved and paths made absolute. */
export type Config = Readonly<Omit<RawConfig, 'session' | 'mail' | 'directory'> & {
  session: RawConfig['session'] & { secret: string };
  /** With the bind password and the CA read from their files (never logged). */
  directory: DirectoryConfig & { ldap: DirectoryConfig['ldap'] & { bind_password: string; ca: string | null } };
  mail: Omit<RawConfig['mail'], 'smtp_url_file'>;
  /** Directory of the config file; relative paths were resolved against it. */
  baseDir: string;
  /** The file the config came from, if any. */
  file: string | null;
}>;
