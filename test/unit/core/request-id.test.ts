import { describe, expect, it } from 'vitest';
import { newRequestId } from '../../../gateway/core/request-id.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newRequestId', () => {
  it('is a version 4 UUID in lower case, across several refills of its random bytes', () => {
    const ids = Array.from({ length: 1_000 }, () => newRequestId());
    for (const id of ids) expect(id).toMatch(UUID_V4);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('uses every hex digit in every free position (the bytes are random, not a counter)', () => {
    const ids = Array.from({ length: 2_000 }, () => newRequestId());
    // Positions outside the dashes and the version nibble; the variant nibble takes 8, 9, a or b.
    for (const at of [0, 7, 9, 15, 20, 35]) expect(new Set(ids.map((id) => id[at])).size).toBe(16);
    expect(new Set(ids.map((id) => id[19]))).toEqual(new Set(['8', '9', 'a', 'b']));
  });

  it('returns strings that later ids do not change', () => {
    const first = newRequestId();
    const copy = `${first}`;
    for (let i = 0; i < 300; i++) newRequestId();
    expect(first).toBe(copy);
  });
});
