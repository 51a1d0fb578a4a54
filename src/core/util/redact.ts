/**
 * The one redaction function. Every log line, error message and CLI output passes through `redact`.
 *
 * Two layers: patterns that recognise where secrets live in HTTP traffic (headers, `?token=`, cookie pairs,
 * tornado signed values, JSON fields), and a bounded registry of secret values this process has handled
 * (tokens, passwords, cookie values; bounded per origin), so a secret is masked even where no pattern expects it.
 */
export const REDACTED = '[redacted]';

const SECRET_HEADER_NAMES = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-xsrftoken',
  'x-csrftoken',
]);

const MAX_KNOWN_SECRETS = 512;
const MIN_SECRET_LENGTH = 4;
/**
 * Where a secret came from. `in-use`: a credential, a stored secret or a cookie value this process works with.
 * `seen`: a value merely read, e.g. the token in each of thousands of runtime files a discovery scan parses. Each
 * kind has its own bound, so a large scan can never push a live credential or cookie out of the registry.
 */
export type SecretOrigin = 'in-use' | 'seen';
const knownSecrets: Record<SecretOrigin, Set<string>> = { 'in-use': new Set(), seen: new Set() };
/** Every known secret, longest first (so one that contains another is masked whole); rebuilt after a change. */
let longestFirst: string[] | undefined;

/** Remember a secret value so `redact` masks it anywhere, also URL-encoded. Bounded per origin: the oldest are forgotten. */
export function registerSecret(value: string | undefined | null, origin: SecretOrigin = 'in-use'): void {
  if (!value || value.length < MIN_SECRET_LENGTH) return;
  const set = knownSecrets[origin];
  for (const v of new Set([value, encodeURIComponent(value)])) {
    set.delete(v);
    set.add(v);
  }
  while (set.size > MAX_KNOWN_SECRETS) {
    const oldest = set.values().next().value;
    if (oldest === undefined) break;
    set.delete(oldest);
  }
  longestFirst = undefined;
}

/** For tests: forget every registered secret. */
export function clearRegisteredSecrets(): void {
  knownSecrets['in-use'].clear();
  knownSecrets.seen.clear();
  longestFirst = undefined;
}

export function isSecretHeader(name: string): boolean {
  return SECRET_HEADER_NAMES.has(name.toLowerCase());
}

/** JSON fields whose string values are secrets, whatever they hold. */
const SECRET_JSON_FIELDS = ['token', 'password', '_xsrf', 'authorization', 'cookie', 'set-cookie', 'x-xsrftoken', 'api_token', 'access_token'];
const SECRET_JSON_FIELD = new RegExp(`^(?:${SECRET_JSON_FIELDS.join('|')})$`, 'i');

const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  // Header lines and header-like pairs: "Authorization: token abc", "cookie: …" up to the end of the line. A value
  // that is already masked is left alone (whatever the spacing), so redacting twice changes nothing: without that,
  // "Cookie: [redacted]" matched again with an empty separator and the mask ran on to the end of the line.
  [/\b(authorization|proxy-authorization|set-cookie|cookie|x-xsrftoken|x-csrftoken)(\s*:\s*)(?!\s*\[redacted\])[^\r\n]*/gi, `$1$2${REDACTED}`],
  // JSON string fields that carry secrets.
  [new RegExp(`"(${SECRET_JSON_FIELDS.join('|')})"(\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'gi'), `"$1"$2"${REDACTED}"`],
  // Tokens embedded in logged-in HTML pages.
  [/(data-jupyter-api-token=)("[^"]*"|'[^']*')/gi, `$1"${REDACTED}"`],
  // Query and form parameters.
  [/([?&#;]|\b)(token|_xsrf|password|access_token|api_token)=(?!\[redacted\])[^&#\s"'<>]+/gi, `$1$2=${REDACTED}`],
  [/([?&])(code|state)=(?!\[redacted\])[^&#\s"'<>]+/g, `$1$2=${REDACTED}`],
  // Jupyter and JupyterHub cookie pairs: username-127-0-0-1-8888="2|1:0|…", jupyterhub-user-bob=…
  [/\b(username-[\w-]+|jupyterhub-[\w-]+)=(?!\[redacted\])("[^"]*"|[^;\s,]*)/g, `$1=${REDACTED}`],
  // Tornado signed values and XSRF tokens wherever they appear.
  [/2\|1:0\|[^\s";,]+/g, REDACTED],
  [/2\|[0-9a-f]{8}\|[0-9a-f]{32}\|\d+/gi, REDACTED],
  // Userinfo in URLs.
  [/(\/\/[^/\s:@]+:)[^/\s@]+@/g, `$1${REDACTED}@`],
];

export function redact(text: string): string {
  let out = text;
  if (knownSecrets['in-use'].size + knownSecrets.seen.size > 0) {
    longestFirst ??= [...knownSecrets['in-use'], ...knownSecrets.seen].sort((a, b) => b.length - a.length);
    for (const v of longestFirst) {
      if (out.includes(v)) out = out.split(v).join(REDACTED);
    }
  }
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
  return out;
}

/**
 * `value` as JSON text (`JSON.stringify` with `indent`) in which every string and key is redacted, and the string
 * values of secret fields (`token`, `password`, `cookie`, …) are masked whole. Redacting the values, not the
 * serialised text, keeps the result valid JSON: a text pattern that masks to the end of a line would also eat the
 * closing `",`.
 */
export function redactJson(value: unknown, indent?: number): string {
  // Keys and values repeat (a discover --json of thousands of servers): each distinct string is redacted once.
  const seen = new Map<string, string>();
  const once = (s: string): string => {
    let r = seen.get(s);
    if (r === undefined) seen.set(s, (r = redact(s)));
    return r;
  };
  return JSON.stringify(
    value,
    (key: string, v: unknown): unknown => {
      if (typeof v === 'string') return SECRET_JSON_FIELD.test(key) ? REDACTED : once(v);
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        const entries = Object.entries(v);
        if (entries.some(([k]) => once(k) !== k)) return Object.fromEntries(entries.map(([k, x]) => [once(k), x]));
      }
      return v;
    },
    indent,
  );
}

export type HeaderMap = Record<string, string | string[] | number | undefined>;

/** A copy of the headers in which secret headers' values are replaced; other values go through `redact`. */
export function redactHeaders(headers: HeaderMap): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (isSecretHeader(name)) {
      out[name] = Array.isArray(value) ? value.map(() => REDACTED) : REDACTED;
    } else {
      out[name] = Array.isArray(value) ? value.map((v) => redact(v)) : redact(String(value));
    }
  }
  return out;
}

/** A URL string safe to show: token-like query values and userinfo passwords masked. */
export function redactUrl(url: string | URL): string {
  return redact(typeof url === 'string' ? url : url.href);
}

/** Any value as safe text: errors by name and message, objects as JSON, everything redacted. */
export function redactValue(value: unknown): string {
  if (value instanceof Error) return redact(`${value.name}: ${value.message}`);
  if (typeof value === 'string') return redact(value);
  try {
    return redact(JSON.stringify(value) ?? String(value));
  } catch {
    return redact(String(value));
  }
}
