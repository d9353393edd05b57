import { randomFillSync } from 'node:crypto';

const IDS_PER_FILL = 256;
const HEX = Buffer.from('0123456789abcdef', 'latin1');
// Where each of the 16 bytes' two hex digits go in the 36 characters of 8-4-4-4-12.
const DIGIT_AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

const random = Buffer.alloc(16 * IDS_PER_FILL);
const text = Buffer.from('00000000-0000-4000-8000-000000000000', 'latin1');
let used = IDS_PER_FILL;

/**
 * A request id: a random (version 4) UUID, the same kind as `crypto.randomUUID()`.
 *
 * Speed, at the edge: every proxied request makes one. Node's `randomUUID()` joins its string
 * from twenty pieces (~590 bytes of short-lived garbage each time, by the bench's allocation
 * profile); this writes the 36 characters into one buffer and reads them out as one string, from
 * random bytes filled 256 ids at a time. docs/performance.md (issue 25) has the measurement.
 */
export function newRequestId(): string {
  if (used === IDS_PER_FILL) {
    randomFillSync(random);
    used = 0;
  }
  const offset = 16 * used++;
  for (let i = 0; i < 16; i++) {
    let byte = random[offset + i]!;
    if (i === 6) byte = (byte & 0x0f) | 0x40; // version 4
    else if (i === 8) byte = (byte & 0x3f) | 0x80; // RFC 9562 variant
    text[DIGIT_AT[i]!] = HEX[byte >> 4]!;
    text[DIGIT_AT[i]! + 1] = HEX[byte & 0x0f]!;
  }
  return text.toString('latin1', 0, 36);
}
