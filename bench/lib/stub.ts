/**
 * A Dispatcher that answers every request at once with a fixed JSON reply, no socket: what the composed
 * interceptors and the client are measured against when only their own CPU cost is wanted.
 */
import { Dispatcher } from 'undici';

const BODY = Buffer.from('{"connections": 0, "kernels": 1, "last_activity": "2026-11-23T12:00:00.000000Z", "started": "2026-11-23T11:00:00.000000Z"}');
const HEADERS = { 'content-type': 'application/json', server: 'TornadoServer/6.2', 'content-length': String(BODY.length) };
const RAW_HEADERS = Object.entries(HEADERS).flatMap(([k, v]) => [Buffer.from(k), Buffer.from(v)]);

type AnyHandler = Dispatcher.DispatchHandler & {
  onConnect?: (abort: () => void) => void;
  onHeaders?: (status: number, raw: Buffer[], resume: () => void, text: string) => boolean;
  onData?: (chunk: Buffer) => boolean;
  onComplete?: (trailers: Buffer[]) => void;
};

export class StubDispatcher extends Dispatcher {
  /** Deliver the reply in the same tick (interceptor-only measurements) or on the next turn (client measurements). */
  constructor(private readonly sync: boolean) {
    super();
  }

  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    void opts;
    const h = handler as AnyHandler;
    const controller = { abort() {}, pause() {}, resume() {}, paused: false, aborted: false, reason: null } as unknown as Dispatcher.DispatchController;
    const deliver = (): void => {
      if (h.onRequestStart) {
        h.onRequestStart(controller, {});
        h.onResponseStart?.(controller, 200, { ...HEADERS }, 'OK');
        h.onResponseData?.(controller, BODY);
        h.onResponseEnd?.(controller, {});
      } else {
        h.onConnect?.(() => undefined);
        h.onHeaders?.(200, RAW_HEADERS, () => undefined, 'OK');
        h.onData?.(BODY);
        h.onComplete?.([]);
      }
    };
    if (this.sync) deliver();
    else setImmediate(deliver);
    return true;
  }

  override close(): Promise<void> {
    return Promise.resolve();
  }

  override destroy(): Promise<void> {
    return Promise.resolve();
  }
}

/** A new-style handler that does nothing. */
export const noopHandler: Dispatcher.DispatchHandler = {
  onRequestStart() {},
  onResponseStart() {},
  onResponseData() {},
  onResponseEnd() {},
  onResponseError() {},
};
