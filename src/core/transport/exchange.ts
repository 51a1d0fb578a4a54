import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';

/** A whole HTTP reply, read into memory (Jupyter's REST replies are small JSON documents). */
export interface RawReply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  body: Buffer;
}

/**
 * One request through a (composed) dispatcher with a handler of undici's own dispatch interface, the body
 * collected as it arrives. What undici's `request()` does, without its stream and without converting the reply
 * headers back to raw buffers for its legacy handler (which every interceptor in between otherwise costs).
 * An abort rejects at once with the signal's reason (an AbortError, or a TimeoutError for `AbortSignal.timeout`).
 * With `onData`, a 2xx body is streamed to it instead of collected (an error reply is still collected, to be read).
 */
export function exchange(
  dispatcher: Dispatcher,
  opts: Dispatcher.DispatchOptions,
  signal?: AbortSignal | null,
  onData?: (chunk: Buffer) => void,
): Promise<RawReply> {
  return new Promise<RawReply>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    let controller: Dispatcher.DispatchController | undefined;
    let settled = false;
    let status = 0;
    let headers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    const onAbort = (): void => {
      if (settled) return;
      settle();
      controller?.abort(signal?.reason);
      reject(signal?.reason);
    };
    const settle = (): void => {
      settled = true;
      signal?.removeEventListener('abort', onAbort);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (settled) c.abort(signal?.reason);
      },
      onResponseStart(_c, statusCode, h) {
        status = statusCode;
        headers = h as IncomingHttpHeaders;
      },
      onResponseData(_c, chunk) {
        if (onData && status < 300) onData(chunk);
        else chunks.push(chunk);
      },
      onResponseEnd() {
        if (settled) return;
        settle();
        const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
        resolve({ status, headers, text: body.toString('utf8'), body });
      },
      onResponseError(_c, error) {
        if (settled) return;
        settle();
        reject(error);
      },
    };
    try {
      dispatcher.dispatch(opts, handler);
    } catch (err) {
      if (!settled) {
        settle();
        reject(err);
      }
    }
  });
}
