import { appendFileSync } from 'node:fs';
import { request } from 'undici';
import { endpointFromUrl } from '../../src/core/server/endpoint';
import { JupyterClient, type ClientOptions } from '../../src/core/transport/client';
import type { Credential, AuthMode } from '../../src/core/session/credentials';
import { Logger, MemorySink, type LogLevel } from '../../src/core/util/log';
import type { RunningJupyter } from './jupyter';

/**
 * Every log line any test client wrote: the redaction test greps them for secrets. With `SJC_TEST_LOG=<file>` the
 * lines are also appended to that file, with a timestamp (to see what a failing run did).
 */
class TestLogSink extends MemorySink {
  private readonly file = process.env['SJC_TEST_LOG'];
  override log(level: LogLevel, line: string): void {
    super.log(level, line);
    if (this.file) appendFileSync(this.file, `${new Date().toISOString()} ${level}: ${line}\n`);
  }
}
export const testLogSink = new TestLogSink();

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
