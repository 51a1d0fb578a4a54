import type { Clock, ClockTimer } from '../util/clock';
import type { Disposable } from '../util/disposable';

/**
 * Calls `onIdle` once when nothing happened for `limitMs` (by `lastActivity`, read when the timer fires, so
 * recording activity costs nothing). After firing it stays quiet until `rearm()` (the session is back in use).
 * A limit of 0 turns it off.
 */
export class IdleMonitor implements Disposable {
  private timer: ClockTimer | undefined;
  private fired = false;

  constructor(
    private readonly clock: Clock,
    private limitMs: number,
    private readonly lastActivity: () => number,
    private readonly onIdle: () => void,
  ) {
    this.schedule();
  }

  get limit(): number {
    return this.limitMs;
  }

  setLimit(ms: number): void {
    this.limitMs = ms;
    this.schedule();
  }

  /** Watch again after the session came back into use. */
  rearm(): void {
    this.fired = false;
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.limitMs <= 0 || this.fired) return;
    const due = this.lastActivity() + this.limitMs - this.clock.now();
    this.timer = this.clock.setTimeout(() => this.check(), Math.max(0, due));
  }

  private check(): void {
    this.timer = undefined;
    if (this.limitMs <= 0) return;
    if (this.clock.now() - this.lastActivity() >= this.limitMs) {
      this.fired = true;
      this.onIdle();
      return;
    }
    this.schedule();
  }

  dispose(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.limitMs = 0;
  }
}
