import { describe, expect, it } from 'vitest';
import { FixedClock } from '../../../gateway/core/clock.js';
import { createViewCache } from '../../../gateway/session/view-cache.js';

interface View { user: string; version: number }

/** A loader whose reads stay open until the test settles them, counting every read. */
function controlledLoader() {
  const pending: Array<{ key: string; resolve(value: View | undefined): void; reject(error: Error): void }> = [];
  let version = 0;
  return {
    pending,
    get calls() {
      return version;
    },
    load(key: string): Promise<View | undefined> {
      version++;
      return new Promise((resolve, reject) => pending.push({ key, resolve, reject }));
    },
    /** Settles the oldest open read with a fresh view (or with `value`). */
    settle(value?: View | undefined) {
      const read = pending.shift()!;
      read.resolve(arguments.length ? value : { user: read.key, version });
    },
    fail(message: string) {
      pending.shift()!.reject(new Error(message));
    },
  };
}

function setup() {
  const clock = new FixedClock();
  const loader = controlledLoader();
  const errors: unknown[] = [];
  const cache = createViewCache<View>({
    load: (key) => loader.load(key), clock, maxAgeMs: 1_000, refreshAfterMs: 500, max: 100,
    onRefreshError: (error) => errors.push(error),
  });
  return { clock, loader, cache, errors };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('session view cache', () => {
  it('sends one query for a hundred concurrent requests on a cold key, and they all get its answer', async () => {
    const { loader, cache } = setup();
    const gets = Array.from({ length: 100 }, () => cache.get('s1'));
    expect(loader.calls).toBe(1);
    loader.settle();
    const views = await Promise.all(gets);
    expect(new Set(views).size).toBe(1);
    expect(views[0]).toEqual({ user: 's1', version: 1 });
  });

  it('answers from memory while fresh, with no query', async () => {
    const { clock, loader, cache } = setup();
    const first = cache.get('s1');
    loader.settle();
    await first;
    clock.advance(499);
    expect(await cache.get('s1')).toEqual({ user: 's1', version: 1 });
    expect(loader.calls).toBe(1);
  });

  it('past refreshAfterMs answers at once and refreshes once in the background', async () => {
    const { clock, loader, cache } = setup();
    const first = cache.get('s1');
    loader.settle();
    await first;
    clock.advance(600);
    // The read is left open: the requests must not wait for it.
    const answers = await Promise.all(Array.from({ length: 50 }, () => cache.get('s1')));
    expect(answers.every((view) => view?.version === 1)).toBe(true);
    expect(loader.calls).toBe(2);
    loader.settle();
    await tick();
    expect(await cache.get('s1')).toEqual({ user: 's1', version: 2 });
  });

  it('never answers with a value older than maxAgeMs: the request waits for the new read', async () => {
    const { clock, loader, cache } = setup();
    const first = cache.get('s1');
    loader.settle();
    await first;
    clock.advance(1_000);
    let answered: View | undefined;
    const waiting = cache.get('s1').then((view) => { answered = view; });
    await tick();
    expect(answered).toBeUndefined();
    loader.settle({ user: 's1', version: 7 });
    await waiting;
    expect(answered).toEqual({ user: 's1', version: 7 });
  });

  it("counts a value's age from when its read started, so a slow query does not stretch the bound", async () => {
    const { clock, loader, cache } = setup();
    const first = cache.get('s1');
    clock.advance(900); // the query takes 900 ms
    loader.settle();
    await first;
    clock.advance(100); // 1,000 ms after the read started: too old, though stored 100 ms ago
    const second = cache.get('s1');
    expect(loader.calls).toBe(2);
    loader.settle();
    expect(await second).toEqual({ user: 's1', version: 2 });
  });

  it('does not store a read that started before forget(): a revocation cannot be undone by it', async () => {
    const { loader, cache } = setup();
    const inFlight = cache.get('s1');
    cache.forget(['s1']);
    loader.settle(); // the row as it was before the revoking transaction committed
    await inFlight;
    const next = cache.get('s1');
    expect(loader.calls).toBe(2);
    loader.settle(undefined); // now revoked
    expect(await next).toBeUndefined();
  });

  it('drops an entry whose row is gone, and forgetWhere drops matching entries', async () => {
    const { clock, loader, cache } = setup();
    for (const key of ['a', 'b']) {
      const read = cache.get(key);
      loader.settle();
      await read;
    }
    cache.forgetWhere((view) => view.user === 'a');
    const a = cache.get('a');
    expect(loader.calls).toBe(3);
    loader.settle(undefined);
    expect(await a).toBeUndefined();
    expect(await cache.get('b')).toEqual({ user: 'b', version: 2 });
    clock.advance(1_000);
    const b = cache.get('b');
    loader.settle(undefined);
    expect(await b).toBeUndefined();
    const again = cache.get('b');
    expect(loader.calls).toBe(5);
    loader.settle();
    await again;
  });

  it('reports a failed background read, keeps the value until maxAgeMs, then fails closed', async () => {
    const { clock, loader, cache, errors } = setup();
    const first = cache.get('s1');
    loader.settle();
    await first;
    clock.advance(700);
    expect(await cache.get('s1')).toEqual({ user: 's1', version: 1 });
    loader.fail('connection refused');
    await tick();
    expect(errors.map(String)).toEqual(['Error: connection refused']);
    clock.advance(300);
    const late = cache.get('s1');
    loader.fail('connection refused');
    await expect(late).rejects.toThrow('connection refused');
  });

  it('lets go of values nobody asks for once they are past maxAgeMs, while reads go on, and keeps the ones in use', async () => {
    const { clock, loader, cache } = setup();
    const readOnce = async (key: string) => {
      const view = cache.get(key);
      loader.settle();
      await view;
    };
    // Forty sessions seen once (a sign-in and its first page), then never again.
    for (let i = 0; i < 40; i++) await readOnce(`left-${i}`);
    expect(cache.size).toBe(40);
    // Traffic goes on with two busy sessions, each read again as its value ages.
    for (let round = 0; round < 12; round++) {
      clock.advance(1_000);
      await readOnce('busy-a');
      await readOnce('busy-b');
    }
    expect(cache.size).toBe(2);
    // A value in use is still answered from memory, with no query.
    const calls = loader.calls;
    expect(cache.peek('busy-b')).toEqual({ user: 'busy-b', version: calls });
    expect(loader.calls).toBe(calls);
  });
});
