import { serverPhase } from '../core/hub/hub';
import { hubClient } from '../core/hub/hubClient';
import { hubVersion, userModel, whoami, type HubServerModel, type HubTokenModel, type HubUserModel } from '../core/hub/hubApi';
import { parseHubUrl, singleUserEndpoint, type PastedHub } from '../core/hub/hubUrl';
import { reviewScopes } from '../core/hub/scopes';
import type { ServerEndpoint } from '../core/server/endpoint';
import type { JupyterClient } from '../core/transport/client';
import { JupyterError, toJupyterError } from '../core/util/errors';
import { HUB_TOKEN_ENV, hubTokenFromEnv } from './credentials';
import { EXIT_FAILED, EXIT_OK, UsageError, json, pad, type Output } from './output';
import { TARGET_OPTIONS, parseTimeout, reachOptions } from './target';

/** The options of `hub`, for `parseArgs`: those of check/audit that apply to a hub. */
export const HUB_OPTIONS = {
  json: TARGET_OPTIONS.json,
  ca: TARGET_OPTIONS.ca,
  timeout: TARGET_OPTIONS.timeout,
  verbose: TARGET_OPTIONS.verbose,
} as const;

export interface HubArgs {
  url: string;
  json: boolean;
  caFiles: string[];
  timeoutSeconds: number;
  verbose: boolean;
}

export function hubArgs(values: { json?: boolean; ca?: string[]; timeout?: string; verbose?: boolean }, positionals: readonly string[]): HubArgs {
  if (positionals.length !== 1) throw new UsageError('hub takes exactly one URL (the hub\'s, or a server URL on it: …/user/NAME/).');
  return {
    url: positionals[0] as string,
    json: values.json ?? false,
    caFiles: values.ca ?? [],
    timeoutSeconds: parseTimeout(values.timeout),
    verbose: values.verbose ?? false,
  };
}

export type ServerState = ReturnType<typeof serverPhase>;

/** One of the user's servers, as `hub` reports it. */
export interface HubServerFacts {
  /** '' for the default server. */
  name: string;
  state: ServerState;
  /** The single-user URL (what `check` and `audit` take). */
  url: string | null;
  started: string | null;
  lastActivity: string | null;
}

/** What `hub` learns, secret-free: the `--json` document and what the text is printed from. */
export interface HubReport {
  hub: { url: string; api: string; version: string };
  user: string;
  admin: boolean;
  token: {
    /** Where the token came from (never its value). */
    source: string;
    /** 5.0+ only (whoami's `token_id`). */
    id: string | null;
    scopes: string[];
    /** Scopes beyond what a client for the user's own servers needs. */
    excessScopes: string[];
    /** `at`: expires at `expiresAt`; `never`; `unknown`: `expiryNote` says why. */
    expiry: 'at' | 'never' | 'unknown';
    expiresAt: string | null;
    expiryNote: string | null;
  };
  /** null when the token may not see them (`serversNote` says why). */
  servers: HubServerFacts[] | null;
  serversNote: string | null;
}

/**
 * `jupyter-secure hub URL`: what a hub says about the token in JUPYTERHUB_API_TOKEN: the hub's version, whose
 * token it is, its scopes (and whether they are broader than a client needs), its expiry where the hub tells it,
 * and the user's servers with their state. Exit 0 with the facts, 1 when the hub cannot be asked (unreachable, not
 * a hub, token refused), 2 on bad usage (no token, a token in the URL, a malformed URL).
 */
export async function hubCommand(args: HubArgs, output: Output, env: NodeJS.ProcessEnv): Promise<number> {
  const pasted = parseHubUrl(args.url);
  if (pasted.token !== undefined) {
    throw new UsageError(
      `The URL contains a token. Secrets are never taken from the command line (they end up in shell history and process lists): remove ?token=… and set ${HUB_TOKEN_ENV} instead.`,
    );
  }
  const token = hubTokenFromEnv(env);
  if (!token) {
    throw new UsageError(
      `hub needs a hub API token: set ${HUB_TOKEN_ENV} (make one on ${tokenPage(pasted)}). It is never taken from the command line.`,
    );
  }
  const { transport, logger } = reachOptions(args, output);
  const client = hubClient(pasted.api, token, transport, logger);
  const signal = AbortSignal.timeout(args.timeoutSeconds * 1000);
  let report: HubReport;
  try {
    report = await askHub(client, pasted, signal);
  } catch (err) {
    const e = err instanceof JupyterError ? err : toJupyterError(err, pasted.api.id);
    const what = e.code === 'InvalidToken' ? `${e.message} Set ${HUB_TOKEN_ENV} to a current token (make one on ${tokenPage(pasted)}).` : e.describe();
    output.err(`error: cannot ask the hub ${pasted.api.id}: ${what}`);
    return EXIT_FAILED;
  } finally {
    await client.close();
  }
  if (pasted.user !== undefined && pasted.user !== report.user) {
    output.err(`warning: the URL names the user ${pasted.user}, but the token is ${report.user}'s: these are ${report.user}'s servers.`);
  }
  if (args.json) output.out(json(report));
  else for (const line of formatHubReport(report)) output.out(line);
  return EXIT_OK;
}

/** The hub's page where a user makes a token. */
function tokenPage(pasted: PastedHub): string {
  return new URL('token', pasted.api.baseUrl).href;
}

async function askHub(client: JupyterClient, pasted: PastedHub, signal: AbortSignal): Promise<HubReport> {
  const o = { signal };
  const version = await hubVersion(client, o);
  const me = await whoami(client, o);
  // A token that may not read the user: no servers in the model (3.0), or a 403/404 (hubs that hide the user).
  const model = await userModel(client, me.name, o).catch((err: unknown) => refused(err, { name: me.name }));
  let token: HubTokenModel | undefined;
  let tokenUnreadable = false;
  if (me.token_id) {
    // The token's model (its expiry) needs read:tokens; without it the hub answers 403.
    const path = `api/users/${encodeURIComponent(me.name)}/tokens/${encodeURIComponent(me.token_id)}`;
    token = await client.json<HubTokenModel>('GET', path, o).catch((err: unknown) => refused(err, undefined));
    tokenUnreadable = token === undefined;
  }
  return hubReport({ pasted, version, me, model, token, tokenUnreadable, source: HUB_TOKEN_ENV });
}

/** `fallback` when the hub refused to show something to this (valid) token; anything else is thrown on. */
function refused<T>(err: unknown, fallback: T): T {
  if (err instanceof JupyterError && (err.status === 403 || err.status === 404)) return fallback;
  throw err;
}

export interface HubAnswers {
  pasted: PastedHub;
  version: string;
  /** `GET hub/api/user`. */
  me: HubUserModel;
  /** `GET hub/api/users/NAME` (servers only with read:servers). */
  model: HubUserModel;
  /** The token's own model, when the hub named it (5.0+) and let us read it. */
  token: HubTokenModel | undefined;
  /** The hub named the token but refused to show it (no read:tokens). */
  tokenUnreadable: boolean;
  source: string;
}

/** The report from the hub's answers. Pure. */
export function hubReport(a: HubAnswers): HubReport {
  const user = a.me.name;
  const scopes = [...(a.me.scopes ?? [])].sort();
  let expiry: HubReport['token']['expiry'] = 'unknown';
  let expiresAt: string | null = null;
  let expiryNote: string | null = null;
  if (a.token) {
    expiresAt = a.token.expires_at ?? null;
    expiry = expiresAt ? 'at' : 'never';
  } else if (a.me.token_id) {
    expiryNote = a.tokenUnreadable ? `reading the token's expiry needs the read:tokens!user=${user} scope` : 'the hub did not show the token';
  } else {
    expiryNote = 'the hub says which token is asking only from JupyterHub 5.0';
  }
  const visible = a.model.servers ?? a.me.servers;
  return {
    hub: { url: a.pasted.base.id, api: a.pasted.api.id, version: a.version },
    user,
    admin: a.me.admin === true,
    token: { source: a.source, id: a.me.token_id ?? null, scopes, excessScopes: reviewScopes(user, scopes).excess, expiry, expiresAt, expiryNote },
    servers: visible ? hubServers(a.pasted.base, user, visible) : null,
    serversNote: visible ? null : `the token may not see them: that needs the read:servers!user=${user} scope`,
  };
}

/** The user's servers, the default one first (listed stopped when the hub has none yet), then by name. Pure. */
export function hubServers(base: ServerEndpoint, user: string, servers: Readonly<Record<string, HubServerModel>>): HubServerFacts[] {
  const list: HubServerFacts[] = Object.entries(servers)
    .filter(([, m]) => m && typeof m === 'object')
    .map(([name, m]) => ({
      name,
      state: serverPhase(m),
      url: typeof m.url === 'string' ? serverUrl(base, m.url) : null,
      started: m.started ?? null,
      lastActivity: m.last_activity ?? null,
    }));
  if (!list.some((s) => s.name === '')) {
    list.push({ name: '', state: 'stopped', url: serverUrl(base, `${base.basePath}user/${encodeURIComponent(user)}/`), started: null, lastActivity: null });
  }
  return list.sort((a, b) => (a.name === '' ? -1 : b.name === '' ? 1 : a.name.localeCompare(b.name)));
}

/** A server's path (which holds the hub's base) on the hub's origin; a server on another origin as the hub says. */
function serverUrl(base: ServerEndpoint, url: string): string | null {
  try {
    return singleUserEndpoint(base, url).id;
  } catch {
    try {
      return new URL(url, base.baseUrl.origin).href;
    } catch {
      return null;
    }
  }
}

/** The text `hub` prints. Pure. */
export function formatHubReport(r: HubReport): string[] {
  const t = r.token;
  const lines = [
    `Hub ${r.hub.url} (JupyterHub ${r.hub.version}; token: ${t.source})`,
    `  user            ${r.user}${r.admin ? ' (admin)' : ''}`,
    `  token scopes    ${t.scopes.length > 0 ? t.scopes.join(', ') : '(the hub did not list them)'}`,
  ];
  if (t.excessScopes.length > 0) {
    lines.push(`                  broader than a client needs: ${t.excessScopes.join(', ')} (make a token with only the scopes your servers need)`);
  }
  const expires = t.expiry === 'at' ? (t.expiresAt ?? '') : t.expiry === 'never' ? 'never' : `unknown (${t.expiryNote ?? 'the hub did not say'})`;
  lines.push(`  token expires   ${expires}`);
  if (!r.servers) {
    lines.push(`  servers         unknown: ${r.serversNote ?? 'the hub did not list them'}`);
    return lines;
  }
  lines.push('  servers');
  const label = (s: HubServerFacts): string => (s.name === '' ? '(default)' : s.name);
  const url = (s: HubServerFacts): string => s.url ?? '(no URL)';
  const width = Math.max(...r.servers.map((s) => label(s).length)) + 2;
  const urlWidth = Math.max(...r.servers.map((s) => url(s).length)) + 2;
  for (const s of r.servers) {
    lines.push(`    ${pad(label(s), width)}${pad(s.state, 10)}${pad(url(s), urlWidth)}last activity ${s.lastActivity ?? 'never'}`);
  }
  return lines;
}
