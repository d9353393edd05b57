import { describe, expect, it } from 'vitest';
import { waitWords } from '../../../gateway/core/wait-words.js';

describe('waitWords', () => {
  it('rounds up to the unit a person reads', () => {
    expect(waitWords(0)).toBe('1 second');
    expect(waitWords(1_500)).toBe('2 seconds');
    expect(waitWords(59_000)).toBe('59 seconds');
    expect(waitWords(60_000)).toBe('1 minute');
    expect(waitWords(61_000)).toBe('2 minutes');
    expect(waitWords(5 * 60_000)).toBe('5 minutes');
    expect(waitWords(3_600_000)).toBe('1 hour');
    expect(waitWords(3_600_001)).toBe('2 hours');
    expect(waitWords(86_400_000)).toBe('1 day');
    expect(waitWords(3 * 86_400_000)).toBe('3 days');
  });
});
