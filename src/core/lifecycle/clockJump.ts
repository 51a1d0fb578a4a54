import type { Clock, ClockTimer } from '../util/clock';
import type { Disposable } from '../util/disposable';

/**
 * Notices the machine sleeping: a timer that should tick every `intervalMs` finds that much more wall-clock time
 * has passed (timers do not run during sleep). Sessions and sockets may have died meanwhile, so they are
 * re-validated instead of trusted.
 */
export class ClockJumpDetector implements Disposable {
  private timer: ClockTimer | undefined;
  private last: number;

  constructor(
    private readonly clock: Clock,
    private readonly onJump: (gapMs: number) => void,
    private readonly intervalMs = 5_000,
    private readonly thresholdMs = 30_000,
  ) {
    this.last = clock.now();
    this.tick();
  }

  private tick(): void {
    this.timer = this.clock.setTimeout(() => {
      const now = this.clock.now();
      const gap = now - this.last - this.intervalMs;
      this.last = now;
      if (gap > this.thresholdMs) this.onJump(gap);
      this.tick();
    }, this.intervalMs);
  }

  dispose(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
