/**
 * Client addresses of this run's own. Counts in Redis outlive a run, so a limiter test that came
 * from the same address twice within the window would find its count spent; each run draws its
 * own /64. The groups are drawn from 0x1000–0xffff so the address is already in its canonical
 * form (RFC 5952: no leading zeros), as the gateway stores it — a test that reads the address
 * back from the database finds it as it sent it.
 */
import { randomInt } from 'node:crypto';

export function runAddresses(): (n: number) => string {
  const prefix = `2001:db8:${randomInt(0x1000, 0x10000).toString(16)}:${randomInt(0x1000, 0x10000).toString(16)}`;
  return (n: number) => {
    if (!Number.isInteger(n) || n < 1 || n > 0xffff) throw new RangeError(`host number ${n} is outside 1–65535`);
    return `${prefix}::${n.toString(16)}`;
  };
}
