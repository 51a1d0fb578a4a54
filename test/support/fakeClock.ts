import type { Clock, ClockTimer } from '../../src/core/util/clock';

/** A clock the test moves by hand: `advance(ms)` runs every timer due, in order, at its due time. */
export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly timers = new Map<number, { due: number; fn: () => void }>();

  constructor(start = 1_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): ClockTimer {
    const id = ++this.seq;
    this.timers.set(id, { due: this.current + Math.max(0, ms), fn });
    return { id };
  }

  clearTimeout(timer: ClockTimer): void {
    this.timers.delete(timer.id as number);
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves time forward, firing due timers one by one (timers they set are honoured too). */
  advance(ms: number): void {
    const end = this.current + ms;
    for (;;) {
      let next: [number, { due: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].due <= end && (!next || entry[1].due < next[1].due)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      // Overdue timers (after a jump) fire at the current time: time never runs backwards.
      this.current = Math.max(this.current, next[1].due);
      next[1].fn();
    }
    this.current = end;
  }

  /** Jumps the wall clock without running timers in between (a laptop waking from sleep). */
  jump(ms: number): void {
    this.current += ms;
  }
}
