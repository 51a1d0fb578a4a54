import type { IncomingHttpHeaders } from 'node:http';

export type HeaderRecord = Record<string, string | string[]>;

/**
 * undici accepts request headers as an object, a flat `[k, v, k, v]` array or an iterable of pairs; the
 * interceptors work on one shape: a fresh object with lower-case names.
 */
export function normaliseRequestHeaders(headers: unknown): HeaderRecord {
  const out: HeaderRecord = {};
  const put = (name: unknown, value: unknown): void => {
    if (value === undefined || value === null) return;
    const key = String(name).toLowerCase();
    const v = Array.isArray(value) ? value.map(String) : String(value);
    const prev = out[key];
    if (prev === undefined) out[key] = v;
    else out[key] = ([] as string[]).concat(prev, v);
  };
  if (headers === null || headers === undefined) return out;
  if (Array.isArray(headers)) {
    if (headers.length > 0 && Array.isArray(headers[0])) {
      for (const pair of headers as unknown[][]) put(pair[0], pair[1]);
    } else {
      for (let i = 0; i + 1 < headers.length; i += 2) put(headers[i], headers[i + 1]);
    }
    return out;
  }
  if (typeof headers === 'object' && Symbol.iterator in headers) {
    for (const pair of headers as Iterable<[unknown, unknown]>) put(pair[0], pair[1]);
    return out;
  }
  for (const [k, v] of Object.entries(headers as Record<string, unknown>)) put(k, v);
  return out;
}

/** All `Set-Cookie` lines of a response (undici gives a string for one, an array for several). */
export function setCookieLines(headers: IncomingHttpHeaders | Record<string, unknown>): string[] {
  const v = (headers as Record<string, unknown>)['set-cookie'];
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

export function headerValue(headers: IncomingHttpHeaders | Record<string, unknown>, name: string): string | undefined {
  const v = (headers as Record<string, unknown>)[name.toLowerCase()];
  if (v === undefined || v === null) return undefined;
  return Array.isArray(v) ? v.map(String).join(', ') : String(v);
}
