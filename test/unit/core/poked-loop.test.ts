import { describe, expect, it } from 'vitest';
import { startPokedLoop } from '../../../gateway/core/poked-loop.js';

describe('startPokedLoop', () => {
  it('runs one round at a time; a poke during a round asks for exactly one more', async () => {
    let rounds = 0;
    let release: () => void = () => {};
    const loop = startPokedLoop({
      pollMs: 60_000, onError: () => {},
      round: async () => {
        rounds++;
        if (rounds === 1) await new Promise<void>((resolve) => { release = resolve; });
        return false;
      },
    });
    const first = loop.poke();
    const second = loop.poke();
    const third = loop.poke();
    expect(second).toBe(first);
    expect(third).toBe(first);
    release();
    await first;
    expect(rounds).toBe(2);
    await loop.stop();
  });

  it('keeps going while a round reports a full batch, and stops between rounds once stopped', async () => {
    let rounds = 0;
    const loop = startPokedLoop({ pollMs: 60_000, onError: () => {}, round: async () => ++rounds < 3 });
    await loop.poke();
    expect(rounds).toBe(3);
    await loop.stop();
    expect(loop.stopped).toBe(true);
    await loop.poke();
    expect(rounds).toBe(3);
  });

  it('reports a round that throws and runs again on the next poke', async () => {
    const errors: unknown[] = [];
    let rounds = 0;
    const loop = startPokedLoop({
      pollMs: 60_000, onError: (error) => errors.push(error),
      round: async () => { if (++rounds === 1) throw new Error('database gone'); return false; },
    });
    await loop.poke();
    expect(errors).toHaveLength(1);
    await loop.poke();
    expect(rounds).toBe(2);
    await loop.stop();
  });
});
