import type { RuntimeServerInfo } from '../discovery/runtimeFile';
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
 * registry replaces it whole (`ServerConnection.setSource`). A hub's server will be one more kind
 * (`{ kind: 'hub', hubId, serverName }`), answered by the functions below rather than by its callers.
 */
export type ServerSource =
  | { readonly kind: 'saved'; readonly entry: SavedServer; readonly runtime?: RuntimeSighting }
  | { readonly kind: 'discovered'; readonly runtime: RuntimeSighting };

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

/** The source alone keeps the server in the list: it is saved, or its runtime file is live. */
export function isListed(s: ServerSource): boolean {
  return s.kind === 'saved' || !s.runtime.gone;
}

/** The same facts (a rescan makes equal copies of a runtime file's info; saved entries are replaced, not edited). */
export function sameSource(a: ServerSource, b: ServerSource): boolean {
  return a === b || (a.kind === b.kind && entryOf(a) === entryOf(b) && sameSighting(a.runtime, b.runtime));
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

/** The name the user gave the server, if any. */
export function nameOf(s: ServerSource): string | undefined {
  return entryOf(s)?.name;
}

export function authModeOf(s: ServerSource): AuthMode {
  return entryOf(s)?.authMode ?? 'auto';
}

/** The server's own settings for reaching it (its trusted certificates), for `transportFor`. */
export function reachOf(s: ServerSource): ReachSettings | undefined {
  return entryOf(s);
}

/** Which secret the user saved for the server ('none' for one not saved). */
export function savedSecretOf(s: ServerSource): SavedServer['credential'] {
  return entryOf(s)?.credential ?? 'none';
}

/** What the server signs in with: its saved secret's kind, else a token from its runtime file, else none. */
export function credentialKind(s: ServerSource): Credential['kind'] {
  const saved = savedSecretOf(s);
  return saved !== 'none' ? saved : s.runtime?.info.token ? 'token' : 'none';
}

/** The credential to use: the saved one, else the token from its runtime file, else none. */
export async function credentialOf(s: ServerSource, secrets: ServerSecrets): Promise<Credential> {
  const saved = savedSecretOf(s);
  const secret = saved === 'none' ? undefined : await secrets.get(saved);
  if (secret) return saved === 'password' ? passwordCredential(secret) : tokenCredential(secret);
  const token = s.runtime?.info.token;
  return token ? tokenCredential(token) : noCredential;
}
