/**
 * IP → place and network for sign-in context (new-location notices, risk rules, audit rows).
 * Up to three MaxMind databases, each optional. Lookups are synchronous and never throw; a
 * database replaced on disk is re-read in the background, and a broken replacement keeps the
 * last good reader, the same rule config and policies follow.
 */
import { stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import { open, type AnonymousIPResponse, type AsnResponse, type CityResponse, type Reader, type Response } from 'maxmind';

export interface AnonymousFlags {
  vpn: boolean;
  tor: boolean;
  proxy: boolean;
  hosting: boolean;
  any: boolean;
}

export interface IpContext {
  /** Canonical form: IPv4-mapped IPv6 unwrapped to dotted, IPv6 compressed (RFC 5952). */
  ip: string;
  city: string | null;
  /** English name of the largest subdivision (state, county). */
  region: string | null;
  /** ISO 3166-1 alpha-2. */
  country: string | null;
  countryName: string | null;
  asn: number | null;
  org: string | null;
  /** The ASN prefix when known, else the city prefix, e.g. "89.160.0.0/17". */
  network: string | null;
  /** null when no anonymous-IP database is configured or the address is not valid. */
  anonymous: AnonymousFlags | null;
}

export interface GeoIp {
  lookup(ip: string): IpContext;
  /** Stops watching the files; lookups keep answering from the last loaded readers. */
  close(): void;
}

/** Structural subset of pino's logger, so the app logger can be passed as is. */
export interface GeoIpLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface GeoIpPaths {
  cityDb?: string;
  asnDb?: string;
  anonymousDb?: string;
  /** How often each file is stat()ed for replacement; a stat every two seconds costs nothing. */
  reloadIntervalMs?: number;
}

const consoleLogger: GeoIpLogger = {
  info: (obj, msg) => console.info(msg, obj),
  error: (obj, msg) => console.error(msg, obj),
};

interface WatchedDb<T extends Response> {
  current(): Reader<T>;
  close(): void;
}

export async function openGeoIp(paths: GeoIpPaths, logger: GeoIpLogger = consoleLogger): Promise<GeoIp> {
  const intervalMs = paths.reloadIntervalMs ?? 2_000;
  const opened: Array<{ close(): void }> = [];
  const openOne = async <T extends Response>(key: string, path: string | undefined) => {
    if (!path) return null;
    const db = await openWatched<T>(key, path, intervalMs, logger);
    opened.push(db);
    return db;
  };
  try {
    const city = await openOne<CityResponse>('geoip.city_db', paths.cityDb);
    const asn = await openOne<AsnResponse>('geoip.asn_db', paths.asnDb);
    const anonymous = await openOne<AnonymousIPResponse>('geoip.anonymous_db', paths.anonymousDb);
    return {
      lookup: (ip) => lookupIp(ip, city?.current() ?? null, asn?.current() ?? null, anonymous?.current() ?? null),
      close: () => opened.forEach((db) => db.close()),
    };
  } catch (err) {
    // One bad path fails startup; don't leave the others' pollers behind.
    opened.forEach((db) => db.close());
    throw err;
  }
}

async function openWatched<T extends Response>(
  key: string,
  path: string,
  intervalMs: number,
  logger: GeoIpLogger,
): Promise<WatchedDb<T>> {
  let reader: Reader<T>;
  // What was opened, read before opening: any replacement after this is seen by the next poll.
  let seen: FileIdentity | null = null;
  try {
    seen = identify(await stat(path));
    reader = await open<T>(path);
  } catch (err) {
    throw new Error(`${key}: cannot open ${path}: ${describeError(err)}`, { cause: err });
  }
  let closed = false;
  let reloads = Promise.resolve();
  const reload = async () => {
    try {
      const next = await open<T>(path);
      if (closed) return;
      reader = next;
      logger.info({ key, path, buildEpoch: next.metadata.buildEpoch }, 'geoip database reloaded');
    } catch (err) {
      logger.error({ key, path, err: describeError(err) }, 'geoip database replacement refused; keeping the loaded one');
    }
  };
  // Polling stat() sees a replacement by rename (new inode), which fs.watch loses with the old inode.
  // maxmind's own watchForUpdates can't be stopped and reloads into the live reader in place. The
  // poll compares with the file as it was opened, not with a first stat of its own (fs.watchFile's),
  // so a replacement made before the poller's first look is not missed.
  let polling = false;
  const poll = async () => {
    if (polling || closed) return;
    polling = true;
    try {
      let now: FileIdentity | null;
      try {
        now = identify(await stat(path));
      } catch {
        now = null;
      }
      if (!now) {
        if (seen) logger.error({ key, path }, 'geoip database file is gone; keeping the loaded one');
        seen = null;
        return;
      }
      if (seen && sameFile(seen, now)) return;
      seen = now;
      // Serialised so a slow read can't overwrite a newer one.
      reloads = reloads.then(reload);
      await reloads;
    } finally {
      polling = false;
    }
  };
  const timer = setInterval(() => void poll(), intervalMs);
  timer.unref();
  return {
    current: () => reader,
    close: () => {
      closed = true;
      clearInterval(timer);
    },
  };
}

interface FileIdentity { ino: number; dev: number; size: number; mtimeMs: number }

function identify(stats: { ino: number; dev: number; size: number; mtimeMs: number }): FileIdentity {
  return { ino: stats.ino, dev: stats.dev, size: stats.size, mtimeMs: stats.mtimeMs };
}

function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  return a.ino === b.ino && a.dev === b.dev && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

function lookupIp(
  input: string,
  city: Reader<CityResponse> | null,
  asn: Reader<AsnResponse> | null,
  anonymous: Reader<AnonymousIPResponse> | null,
): IpContext {
  const ip = canonicalIp(input);
  if (ip === null) return unknownContext(input);
  // The readers parse untrusted bytes from disk; a sign-in must not fail over a lookup.
  try {
    const [place, placeBits] = city ? city.getWithPrefixLength(ip) : [null, 0];
    const [as, asBits] = asn ? asn.getWithPrefixLength(ip) : [null, 0];
    const flags = anonymous ? anonymousFlags(anonymous.get(ip)) : null;
    return {
      ip,
      city: place?.city?.names.en ?? null,
      region: place?.subdivisions?.[0]?.names.en ?? null,
      country: place?.country?.iso_code ?? null,
      countryName: place?.country?.names.en ?? null,
      asn: as?.autonomous_system_number ?? null,
      org: as?.autonomous_system_organization || null,
      network: as ? formatNetwork(ip, asBits) : place ? formatNetwork(ip, placeBits) : null,
      anonymous: flags,
    };
  } catch {
    return unknownContext(ip);
  }
}

function unknownContext(ip: string): IpContext {
  return { ip, city: null, region: null, country: null, countryName: null, asn: null, org: null, network: null, anonymous: null };
}

/** The Anonymous-IP database answers `{}` for ordinary addresses, so only the flags count. */
function anonymousFlags(record: AnonymousIPResponse | null): AnonymousFlags {
  const vpn = record?.is_anonymous_vpn === true;
  const tor = record?.is_tor_exit_node === true;
  const proxy = record?.is_public_proxy === true || record?.is_residential_proxy === true;
  const hosting = record?.is_hosting_provider === true;
  return { vpn, tor, proxy, hosting, any: record?.is_anonymous === true || vpn || tor || proxy || hosting };
}

const MAPPED_V4 = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

/** null for anything that is not an IP; the readers would otherwise walk the tree with garbage. */
function canonicalIp(input: string): string | null {
  const version = isIP(input);
  if (version === 4) return input;
  if (version !== 6) return null;
  let host: string;
  try {
    // The URL parser's IPv6 serialiser is RFC 5952 canonical; it refuses zone ids (fe80::1%eth0).
    host = new URL(`http://[${input}]`).hostname.slice(1, -1);
  } catch {
    return null;
  }
  // Dual-stack sockets report IPv4 peers as ::ffff:a.b.c.d.
  const mapped = MAPPED_V4.exec(host);
  if (!mapped) return host;
  const high = parseInt(mapped[1]!, 16);
  const low = parseInt(mapped[2]!, 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

function formatNetwork(ip: string, bits: number): string {
  if (!ip.includes(':')) {
    const value = ip.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
    const base = bits === 0 ? 0 : (value >>> (32 - bits)) * 2 ** (32 - bits);
    return `${[24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256).join('.')}/${bits}`;
  }
  const [head = '', tail] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const masked = groups.map((group, i) => {
    const keep = Math.min(16, Math.max(0, bits - i * 16));
    return (parseInt(group, 16) & ((0xffff << (16 - keep)) & 0xffff)).toString(16);
  });
  return `${new URL(`http://[${masked.join(':')}]`).hostname.slice(1, -1)}/${bits}`;
}

/** "Linköping, SE", "SE" or "unknown". */
export function describeLocation(ctx: IpContext): string {
  return [ctx.city, ctx.country].filter((part) => part !== null).join(', ') || 'unknown';
}

/** "AS29518 Bredband2 AB", "AS209" or "unknown". */
export function describeNetwork(ctx: IpContext): string {
  if (ctx.asn === null) return 'unknown';
  return ctx.org ? `AS${ctx.asn} ${ctx.org}` : `AS${ctx.asn}`;
}

function describeError(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return err instanceof Error ? err.message : String(err);
}
