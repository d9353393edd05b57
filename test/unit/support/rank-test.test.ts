import { describe, expect, it } from 'vitest';
import { compareRanks, Z_TWO_SIDED_0_001 } from '../../support/rank-test.js';

// A seeded generator, so the samples (and the test) are the same on every run.
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('compareRanks (Mann–Whitney U)', () => {
  it('finds no difference between two samples of one noisy distribution', () => {
    const next = seeded(7);
    const noisy = () => 400 + next() * 200; // 400–600 ms: a loaded machine's spread
    const a = Array.from({ length: 50 }, noisy);
    const b = Array.from({ length: 50 }, noisy);
    expect(Math.abs(compareRanks(a, b).z)).toBeLessThan(Z_TWO_SIDED_0_001);
  });

  it('finds a 30 ms shift hidden in 200 ms of noise', () => {
    const next = seeded(11);
    const a = Array.from({ length: 50 }, () => 430 + next() * 200);
    const b = Array.from({ length: 50 }, () => 400 + next() * 200);
    expect(compareRanks(a, b).z).toBeGreaterThan(0);
    const clear = Array.from({ length: 50 }, () => 480 + next() * 100);
    const base = Array.from({ length: 50 }, () => 400 + next() * 60);
    expect(compareRanks(clear, base).z).toBeGreaterThan(Z_TWO_SIDED_0_001);
  });

  it('handles ties: identical samples give z = 0, and medians are reported', () => {
    const result = compareRanks([1, 1, 2, 2], [1, 1, 2, 2]);
    expect(result.z).toBe(0);
    expect(result.medians).toEqual([1.5, 1.5]);
  });
});
