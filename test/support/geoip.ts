import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * MaxMind's fake test databases, committed with their licences (test/fixtures/geoip/README.md
 * lists what each address resolves to). Resolved from this file, so any working directory works.
 */
export const GEOIP_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/geoip');
export const GEOIP_CITY_DB = path.join(GEOIP_DIR, 'GeoIP2-City-Test.mmdb');
export const GEOIP_ASN_DB = path.join(GEOIP_DIR, 'GeoLite2-ASN-Test.mmdb');
export const GEOIP_ANONYMOUS_DB = path.join(GEOIP_DIR, 'GeoIP2-Anonymous-IP-Test.mmdb');
