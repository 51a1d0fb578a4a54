import type { RuntimeServerInfo } from '../discovery/runtimeFile';
import type { HubServerModel } from '../server/hubServer';
import { ServerStoppedError } from '../util/errors';
import type { ServerSecrets } from '../secrets/secretStore';
import { noCredential, passwordCredential, tokenCredential, type AuthMode, type Credential } from '../session/credentials';
import type { SavedServer } from './savedServers';
import type { ReachSettings } from './transportFor';

/** A server's runtime file as last seen; `gone`: the file went away or is stale (kept while the server is in use). */
export interface RuntimeSighting {
  readonly info: RuntimeServerInfo;
  readonly gone: boolean;
}

/**
 * Where a server comes from, and so what it is called, how it signs in and how it is reached: an entry the user
 * saved (with the runtime file of a local server that is saved too), or a runtime file alone. Immutable: the
 * registry replaces it whole (`ServerConnection.setSource`). A hub user's server is one more kind, answered by the
 * functions below rather than by its callers: it signs in with the hub's token (header only) and is listed while
 * the hub lists it, running or not.
 */
export type ServerSource =
  | { readonly kind: 'saved'; readonly entry: SavedServer; readonly runtime?: RuntimeSighting }
  | { readonly kind: 'discovered'; readonly runtime: RuntimeSighting }
  | { readonly kind: 'hub'; readonly hub: HubRef; readonly server: HubServerModel; readonly runtime?: undefined };

/** The hub a server belongs to, as its connection needs it. */
export interface HubRef {
  /** The hub's id (its `<base>hub/` URL): the hub's token is kept under it. */
  readonly id: string;
  readonly label: string;
  readonly user: string;
}

/** Saved (added, updated, or loaded at start-up); a runtime file already seen stays. */
export function withEntry(s: ServerSource | undefined, entry: SavedServer): ServerSource {
  return s?.runtime ? { kind: 'saved', entry, runtime: s.runtime } : { kind: 'saved', entry };
}

/** No longer saved: what its runtime file says, else nothing. */
export function withoutEntry(s: ServerSource): ServerSource | undefined {
  return s.runtime ? { kind: 'discovered', runtime: s.runtime } : undefined;
}

/** Its runtime file is live (found, or found again after a restart). */
export function withRuntime(s: ServerSource | undefined, info: RuntimeServerInfo): ServerSource {
  const runtime = { info, gone: false };
  return s?.kind === 'saved' ? { ...s, runtime } : { kind: 'discovered', runtime };
}

/** Its runtime file is gone or stale. */
export function withRuntimeGone(s: ServerSource): ServerSource {
  return s.runtime ? { ...s, runtime: { ...s.runtime, gone: true } } : s;
}

/** The source alone keeps the server in the list: it is saved, its runtime file is live, or its hub lists it. */
export function isListed(s: ServerSource): boolean {
  return s.kind === 'saved' || s.kind === 'hub' || !s.runtime.gone;
}

/** The same facts (a rescan makes equal copies of a runtime file's info; saved entries are replaced, not edited). */
export function sameSource(a: ServerSource, b: ServerSource): boolean {
  if (a.kind === 'hub' || b.kind === 'hub') return a.kind === 'hub' && b.kind === 'hub' && sameHubServer(a, b);
  return a === b || (a.kind === b.kind && entryOf(a) === entryOf(b) && sameSighting(a.runtime, b.runtime));
}

type HubSource = Extract<ServerSource, { kind: 'hub' }>;

function sameHubServer(a: HubSource, b: HubSource): boolean {
  const keys = ['name', 'ready', 'pending', 'stopped', 'url', 'started', 'last_activity'] as const;
  return a.hub.id === b.hub.id && a.hub.label === b.hub.label && a.hub.user === b.hub.user && keys.every((k) => a.server[k] === b.server[k]);
}

/** The hub source of a hub's server. */
export function hubOf(s: ServerSource): HubSource | undefined {
  return s.kind === 'hub' ? s : undefined;
}

/**
 * Whether the view's timer may list this server's kernels. Not a hub's server: the hub's proxy
 * (configurable-http-proxy) stamps a route's last activity on every request through it, `no_track_activity=1` or
 * not, and the hub copies that stamp into the server's `last_activity`, which its idle culler reads (observed on
 * JupyterHub 3.0: background listings every second moved it while the server's own stayed put). Such a server is
 * listed when connecting, on Refresh and when a notebook opens or closes a kernel on it.
 */
export function listsOnTimer(s: ServerSource): boolean {
  return s.kind !== 'hub';
}

/** A hub's server that is not running (stopped, starting or stopping): it cannot be connected to now. */
export function isStoppedHubServer(s: ServerSource): boolean {
  return s.kind === 'hub' && (!s.server.ready || s.server.pending !== null);
}

function sameSighting(a: RuntimeSighting | undefined, b: RuntimeSighting | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.gone !== b.gone) return false;
  const keys = Object.keys(a.info) as (keyof RuntimeServerInfo)[];
  return keys.length === Object.keys(b.info).length && keys.every((k) => (k === 'endpoint' ? a.info.endpoint.id === b.info.endpoint.id : a.info[k] === b.info[k]));
}

export function entryOf(s: ServerSource): SavedServer | undefined {
  return s.kind === 'saved' ? s.entry : undefined;
}

/** Why a hub's server cannot be connected to now (stopped, starting, stopping), or undefined. */
export function stoppedError(s: ServerSource, serverUrl: string): ServerStoppedError | undefined {
  if (s.kind !== 'hub' || !isStoppedHubServer(s)) return undefined;
  const what = s.server.name ? `The server "${s.server.name}" on ${s.hub.label}` : `The default server on ${s.hub.label}`;
  const phase = s.server.pending === 'spawn' ? 'is still starting' : s.server.pending === 'stop' ? 'is stopping' : 'is stopped';
  return new ServerStoppedError(`${what} ${phase}.`, { serverUrl, hint: 'Start it from the Jupyter Servers view (Start Server), then connect.' });
}

/** The name the user gave the server (a hub's server: the hub's name and the server's), if any. */
export function nameOf(s: ServerSource): string | undefined {
  if (s.kind === 'hub') return s.server.name ? `${s.hub.label}: ${s.server.name}` : s.hub.label;
  return entryOf(s)?.name;
}

/** A hub's token goes in the Authorization header only (jupyterhub-facts.md A.6: no cookies, no XSRF). */
export function authModeOf(s: ServerSource): AuthMode {
  if (s.kind === 'hub') return 'token';
  return entryOf(s)?.authMode ?? 'auto';
}

/** The server's own settings for reaching it (its trusted certificates), for `transportFor`. */
export function reachOf(s: ServerSource): ReachSettings | undefined {
  return entryOf(s);
}

/** Which secret the user saved for this server itself ('none' for one not saved, and for a hub's: the hub keeps its token). */
export function savedSecretOf(s: ServerSource): SavedServer['credential'] {
  return entryOf(s)?.credential ?? 'none';
}

/** What the server signs in with: its saved secret's kind, else a token from its runtime file, else none. */
export function credentialKind(s: ServerSource): Credential['kind'] {
  if (s.kind === 'hub') return 'token';
  const saved = savedSecretOf(s);
  return saved !== 'none' ? saved : s.runtime?.info.token ? 'token' : 'none';
}

/** The credential to use: the saved one, else the token from its runtime file, else none. */
export async function credentialOf(s: ServerSource, secrets: ServerSecrets): Promise<Credential> {
  if (s.kind === 'hub') {
    const token = await secrets.sibling(s.hub.id).get('token');
    return token ? tokenCredential(token) : noCredential;
  }
  const saved = savedSecretOf(s);
  const secret = saved === 'none' ? undefined : await secrets.get(saved);
  if (secret) return saved === 'password' ? passwordCredential(secret) : tokenCredential(secret);
  const token = s.runtime?.info.token;
  return token ? tokenCredential(token) : noCredential;
}
