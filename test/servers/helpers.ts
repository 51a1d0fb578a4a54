import { request } from 'undici';
import { endpointFromUrl } from '../../src/core/server/endpoint';
import { JupyterClient, type ClientOptions } from '../../src/core/transport/client';
import type { Credential, AuthMode } from '../../src/core/session/credentials';
import { Logger, MemorySink } from '../../src/core/util/log';
import type { RunningJupyter } from './jupyter';

/** Every log line any test client wrote: the redaction test greps them for secrets. */
export const testLogSink = new MemorySink();

export function clientFor(server: RunningJupyter, credential: Credential, mode: AuthMode = 'auto', extra: Partial<ClientOptions> = {}): JupyterClient {
  return new JupyterClient({
    endpoint: endpointFromUrl(server.url),
    credential,
    mode,
    logger: new Logger(testLogSink, 'trace'),
    ...(server.certPem ? { transport: { tls: { ca: [server.certPem] } } } : {}),
    ...extra,
  });
}

/** A raw request with exactly the headers given (no jar, no interceptors): for "the server rejects X" checks. */
export async function rawRequest(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  const res = await request(url, { method: (init.method ?? 'GET') as 'GET', headers: init.headers ?? {}, body: init.body ?? null });
  return { status: res.statusCode, text: await res.body.text(), headers: res.headers };
}
