import type { WebSocket } from 'undici';
import { onControlFrame, sendPing, terminateWebSocket } from '../transport/wsControl';
import { systemClock, type Clock, type ClockTimer } from '../util/clock';
import type { Disposable } from '../util/disposable';

/**
 * How a WebSocket whose network path died without a close (laptop sleep, a NAT, VPN or proxy idle timeout) is
 * noticed: a ping frame goes out every `pingIntervalMs` (which also keeps idle proxies from cutting a quiet
 * socket), and a socket from which nothing arrived (no pong, no ping, no message) for `deadAfterMs` is dead.
 */
export interface LivenessSettings {
  /** 0 = no pings and no dead-socket detection. */
  pingIntervalMs: number;
  /** At least twice the ping interval (a shorter limit is raised to that), so one late pong is no death. */
  deadAfterMs: number;
}

export const DEFAULT_LIVENESS: LivenessSettings = { pingIntervalMs: 30_000, deadAfterMs: 75_000 };

export interface LivenessHooks {
  sendPing(): void;
  /** Nothing was heard for `silentMs`; called once, after which the object is stopped. */
  onDead(silentMs: number): void;
}

/**
 * The heartbeat of one socket, with an injectable clock: told when anything arrived (`heard`), it pings on
 * interval and calls `onDead` once the silence reaches the limit. A timer that fires a whole interval late means
 * the process was suspended (the machine slept): that time is no evidence against the socket, so the silence is
 * counted from one interval before waking and a ping goes out at once.
 */
export class SocketLiveness implements Disposable {
  private readonly intervalMs: number;
  private readonly deadAfterMs: number;
  private lastHeard: number;
  private lastPing: number;
  private due = 0;
  private timer: ClockTimer | undefined;
  private stopped = false;

  constructor(
    settings: LivenessSettings,
    private readonly hooks: LivenessHooks,
    private readonly clock: Clock = systemClock,
  ) {
    this.intervalMs = Math.max(0, settings.pingIntervalMs);
    this.deadAfterMs = Math.max(settings.deadAfterMs, 2 * this.intervalMs);
    this.lastHeard = this.lastPing = clock.now();
    if (this.intervalMs > 0) this.schedule();
    else this.stopped = true;
  }

  /** A frame arrived (a message, a pong, the server's own ping). */
  heard(): void {
    this.lastHeard = this.clock.now();
  }

  /** Sends a ping now (someone asked for one); the next interval's ping counts from here. */
  pingNow(): void {
    this.lastPing = this.clock.now();
    this.hooks.sendPing();
    if (!this.stopped) this.schedule();
  }

  dispose(): void {
    this.stopped = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.due = Math.min(this.lastPing + this.intervalMs, this.lastHeard + this.deadAfterMs);
    this.timer = this.clock.setTimeout(() => this.tick(), Math.max(0, this.due - this.clock.now()));
  }

  private tick(): void {
    this.timer = undefined;
    if (this.stopped) return;
    const now = this.clock.now();
    if (now - this.due > this.intervalMs) this.lastHeard = Math.max(this.lastHeard, now - this.intervalMs);
    const silent = now - this.lastHeard;
    if (silent >= this.deadAfterMs) {
      this.dispose();
      this.hooks.onDead(silent);
      return;
    }
    if (now - this.lastPing >= this.intervalMs) {
      this.lastPing = now;
      this.hooks.sendPing();
    }
    this.schedule();
  }
}

/** A socket's liveness as its owner uses it. */
export interface Heartbeat extends Disposable {
  /** A message arrived (pings and pongs are seen without being told). */
  heard(): void;
  /** Sends a ping now, with an optional body (at most 125 bytes). */
  ping(body?: Buffer): void;
}

export interface HeartbeatOptions {
  /** Nothing was heard for `silentMs`: the socket has just been ended (its stream destroyed, no close handshake). */
  onDead(silentMs: number): void;
  /** A pong arrived. */
  onPong?(payload: Buffer | undefined): void;
  clock?: Clock;
}

/**
 * Keeps an open undici WebSocket under a `SocketLiveness`: pings go out on interval, arriving pings and pongs count
 * as heard, and a dead socket is ended at once before `onDead` is told. Pings are not use of the connection (the
 * owner notes activity for messages only).
 */
export function heartbeat(ws: WebSocket, settings: LivenessSettings, options: HeartbeatOptions): Heartbeat {
  let body: Buffer | undefined;
  const liveness = new SocketLiveness(
    settings,
    {
      sendPing: () => {
        const b = body;
        body = undefined;
        sendPing(ws, b);
      },
      onDead: (silentMs) => {
        frames.dispose();
        terminateWebSocket(ws);
        options.onDead(silentMs);
      },
    },
    options.clock,
  );
  const frames = onControlFrame(ws, (kind, payload) => {
    liveness.heard();
    if (kind === 'pong') options.onPong?.(payload);
  });
  return {
    heard: () => liveness.heard(),
    ping: (b) => {
      body = b;
      liveness.pingNow();
    },
    dispose: () => {
      liveness.dispose();
      frames.dispose();
    },
  };
}
