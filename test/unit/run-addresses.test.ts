// The limiter tests read their client address back from the database, where the gateway keeps it
// in canonical form: an address drawn with a leading zero in a group ("0a3f") was stored as "a3f"
// and the test found nothing (a CI failure, one run in eight).
import { describe, expect, it } from 'vitest';
import { runAddresses } from '../support/run-addresses.js';

const canonical = (address: string) => new URL(`http://[${address}]/`).hostname.slice(1, -1);

describe('runAddresses', () => {
  it('draws addresses already in canonical form, for any host number', () => {
    for (let draw = 0; draw < 500; draw++) {
      const address = runAddresses();
      for (const n of [1, 0xa, 0xff, 0x1000, 0xffff]) expect(canonical(address(n))).toBe(address(n));
    }
  });

  it('gives each run its own prefix, and refuses a host number that is not one', () => {
    expect(runAddresses()(1)).not.toBe(runAddresses()(1));
    expect(() => runAddresses()(0)).toThrow(RangeError);
    expect(() => runAddresses()(0x10000)).toThrow(RangeError);
  });
});
