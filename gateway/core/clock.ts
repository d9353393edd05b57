/** Time comes only from here, so tests can step TOTP windows and expiries deterministically. */
export interface Clock {
  now(): Date;
  /** Milliseconds since the epoch; cheaper than `now()` on the hot path. */
  nowMs(): number;
}

export const systemClock: Clock = {
  now: () => new Date(),
  nowMs: () => Date.now(),
};

/** A clock that only moves when told to; for tests. */
export class FixedClock implements Clock {
  private ms: number;
  constructor(start: Date | string | number = '2026-01-15T12:00:00Z') {
    this.ms = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.ms);
  }
  nowMs(): number {
    return this.ms;
  }
  set(at: Date | string | number): void {
    this.ms = new Date(at).getTime();
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}
