import { copyFile, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { describeLocation, describeNetwork, openGeoIp, type GeoIp, type GeoIpLogger } from '../../../gateway/context/geoip.js';
// MaxMind's fake test databases; test/fixtures/geoip/README.md lists what each address resolves to.
import { GEOIP_DIR } from '../../support/geoip.js';

const CITY = path.join(GEOIP_DIR, 'GeoIP2-City-Test.mmdb');
const LITE_CITY = path.join(GEOIP_DIR, 'GeoLite2-City-Test.mmdb');
const ASN = path.join(GEOIP_DIR, 'GeoLite2-ASN-Test.mmdb');
const ANONYMOUS = path.join(GEOIP_DIR, 'GeoIP2-Anonymous-IP-Test.mmdb');

const silent: GeoIpLogger = { info: () => {}, error: () => {} };

describe('geoip lookup', () => {
  let geo: GeoIp;
  beforeAll(async () => {
    geo = await openGeoIp({ cityDb: CITY, asnDb: ASN, anonymousDb: ANONYMOUS }, silent);
  });
  afterAll(() => geo.close());

  it('resolves an IPv4 address to place and network', () => {
    const ctx = geo.lookup('89.160.20.112');
    expect(ctx).toEqual({
      ip: '89.160.20.112',
      city: 'Linköping',
      region: 'Östergötland County',
      country: 'SE',
      countryName: 'Sweden',
      asn: 29518,
      org: 'Bredband2 AB',
      network: '89.160.0.0/17',
      anonymous: { vpn: false, tor: false, proxy: false, hosting: false, any: false },
    });
    expect(describeLocation(ctx)).toBe('Linköping, SE');
    expect(describeNetwork(ctx)).toBe('AS29518 Bredband2 AB');
  });

  it('describes an ASN without an organisation name by number', () => {
    const ctx = geo.lookup('216.160.83.56');
    expect(describeLocation(ctx)).toBe('Milton, US');
    expect(describeNetwork(ctx)).toBe('AS209');
    expect(ctx.org).toBeNull();
    expect(ctx.network).toBe('216.160.64.0/18');
  });

  it('describes a country-only record by country', () => {
    expect(describeLocation(geo.lookup('67.43.156.1'))).toBe('BT');
  });

  it('resolves IPv6, falling back to the city prefix when no ASN is known', () => {
    const ctx = geo.lookup('2001:0480:0010::0001');
    expect(ctx.ip).toBe('2001:480:10::1');
    expect(ctx.city).toBe('San Diego');
    expect(describeLocation(ctx)).toBe('San Diego, US');
    expect(ctx.asn).toBeNull();
    expect(ctx.network).toBe('2001:480:10::/48');
  });

  it('treats an IPv4-mapped IPv6 address as the IPv4 address', () => {
    const dotted = geo.lookup('89.160.20.112');
    expect(geo.lookup('::ffff:89.160.20.112')).toEqual(dotted);
    expect(geo.lookup('::FFFF:59a0:1470')).toEqual(dotted);
  });

  it.each(['10.0.0.1', '127.0.0.1', '::1'])('knows nothing about %s', (ip) => {
    const ctx = geo.lookup(ip);
    expect(ctx).toMatchObject({ city: null, country: null, asn: null, org: null, network: null });
    expect(describeLocation(ctx)).toBe('unknown');
    expect(describeNetwork(ctx)).toBe('unknown');
  });

  it.each(['', 'not-an-ip', '1.2.3', '999.1.1.1', '::ffff:999.1.1.1', ' 89.160.20.112', 'fe80::1%eth0'])(
    'answers unknown for the invalid address %j without throwing',
    (ip) => {
      const ctx = geo.lookup(ip);
      expect(ctx).toEqual({
        ip,
        city: null,
        region: null,
        country: null,
        countryName: null,
        asn: null,
        org: null,
        network: null,
        anonymous: null,
      });
      expect(describeLocation(ctx)).toBe('unknown');
    },
  );

  it('reads the anonymity flags', () => {
    expect(geo.lookup('81.2.69.142').anonymous).toEqual({ vpn: true, tor: true, proxy: true, hosting: true, any: true });
    expect(geo.lookup('1.2.0.1').anonymous).toEqual({ vpn: true, tor: false, proxy: false, hosting: false, any: true });
    expect(geo.lookup('65.0.0.1').anonymous).toMatchObject({ tor: true, vpn: false, any: true });
    expect(geo.lookup('2001:480:3a::1').anonymous).toMatchObject({ proxy: true, any: true });
  });

  it('does not call an address anonymous because the database answered {}', () => {
    const none = { vpn: false, tor: false, proxy: false, hosting: false, any: false };
    expect(geo.lookup('89.160.20.112').anonymous).toEqual(none);
    expect(geo.lookup('10.0.0.1').anonymous).toEqual(none);
  });
});

describe('geoip without databases', () => {
  it.each([{}, { cityDb: '', asnDb: '', anonymousDb: '' }])('answers unknown for %j', async (paths) => {
    const geo = await openGeoIp(paths, silent);
    const ctx = geo.lookup('89.160.20.112');
    expect(ctx).toMatchObject({ ip: '89.160.20.112', city: null, country: null, asn: null, network: null, anonymous: null });
    expect(describeLocation(ctx)).toBe('unknown');
    expect(describeNetwork(ctx)).toBe('unknown');
    geo.close();
  });
});

describe('geoip open errors', () => {
  it('names the config key of a missing file', async () => {
    await expect(openGeoIp({ cityDb: CITY, asnDb: '/nonexistent/asn.mmdb' }, silent)).rejects.toThrow(
      'geoip.asn_db: cannot open /nonexistent/asn.mmdb: ENOENT',
    );
  });

  it('names the config key of a file that is not a database', async () => {
    await expect(openGeoIp({ anonymousDb: path.join(GEOIP_DIR, 'README.md') }, silent)).rejects.toThrow(
      /^geoip\.anonymous_db: cannot open .*README\.md: /,
    );
  });
});

describe('geoip reload', () => {
  let dir: string;
  let geo: GeoIp | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'recourse-geoip-'));
  });
  afterEach(() => geo?.close());
  afterAll(() => rm(dir, { recursive: true, force: true }));

  // Writes next to the target and renames over it, as a database updater does.
  async function replace(target: string, write: (tmp: string) => Promise<void>): Promise<void> {
    const tmp = `${target}.${Date.now()}.tmp`;
    await write(tmp);
    await rename(tmp, target);
  }

  it('picks up a database replaced by rename', async () => {
    const cityDb = path.join(dir, 'city-rename.mmdb');
    await copyFile(CITY, cityDb);
    geo = await openGeoIp({ cityDb, reloadIntervalMs: 50 }, silent);
    // 214.0.1.1 is Melbourne in GeoIP2-City-Test and absent from GeoLite2-City-Test.
    expect(geo.lookup('214.0.1.1').city).toBe('Melbourne');

    await replace(cityDb, (tmp) => copyFile(LITE_CITY, tmp));
    await vi.waitFor(() => expect(geo!.lookup('214.0.1.1').city).toBeNull(), { timeout: 5_000, interval: 50 });
    expect(geo.lookup('89.160.20.112').city).toBe('Linköping');
  });

  it('keeps the loaded database when the replacement is broken or removed, and logs', async () => {
    const cityDb = path.join(dir, 'city-broken.mmdb');
    await copyFile(CITY, cityDb);
    const errors: string[] = [];
    const logger: GeoIpLogger = { info: () => {}, error: (_obj, msg) => errors.push(msg) };
    geo = await openGeoIp({ cityDb, reloadIntervalMs: 50 }, logger);

    await replace(cityDb, (tmp) => writeFile(tmp, 'not a maxmind database'));
    await vi.waitFor(() => expect(errors).toContain('geoip database replacement refused; keeping the loaded one'), {
      timeout: 5_000,
      interval: 50,
    });
    expect(geo.lookup('214.0.1.1').city).toBe('Melbourne');

    await rm(cityDb);
    await vi.waitFor(() => expect(errors).toContain('geoip database file is gone; keeping the loaded one'), {
      timeout: 5_000,
      interval: 50,
    });
    expect(geo.lookup('214.0.1.1').city).toBe('Melbourne');

    // A good file after a bad one is still taken.
    await replace(cityDb, (tmp) => copyFile(LITE_CITY, tmp));
    await vi.waitFor(() => expect(geo!.lookup('214.0.1.1').city).toBeNull(), { timeout: 5_000, interval: 50 });
  });
});
