import { endpointFromUrl } from '../server/endpoint';
import { AUTH_MODES, type AuthMode } from '../session/credentials';
import type { Logger } from '../util/log';
import type { StateStore } from './stateStore';

/** A server the user added, as persisted: no secret in here (secrets live in the SecretStore by id). */
export interface SavedServer {
  /** The canonical URL (endpoint id). */
  id: string;
  name?: string;
  authMode: AuthMode;
  /** Which secret is saved for it. */
  credential: 'token' | 'password' | 'none';
  /** PEM certificates trusted for this server only (a private CA or its self-signed certificate). */
  trustedCertificates?: string[];
  addedAt: string;
}

export const SAVED_SERVERS_KEY = 'secure-jupyter-connections.servers';

export interface SavedServerList {
  servers: SavedServer[];
  /** Entries that could not be read: kept as they are and written back, so nothing is lost. */
  unreadable: unknown[];
}

/** Reads the saved list; entries that are not valid are skipped with a warning (and preserved on write). */
export function readSavedServers(state: StateStore, log: Logger): SavedServerList {
  const raw = state.get<unknown>(SAVED_SERVERS_KEY);
  if (raw === undefined) return { servers: [], unreadable: [] };
  if (!Array.isArray(raw)) {
    log.warn('the saved server list is not a list; ignoring it');
    return { servers: [], unreadable: [raw] };
  }
  const out: SavedServer[] = [];
  const unreadable: unknown[] = [];
  for (const item of raw) {
    const s = item as Partial<SavedServer> | null;
    try {
      if (!s || typeof s.id !== 'string') throw new Error('no id');
      const id = endpointFromUrl(s.id).id;
      const authMode = AUTH_MODES.includes(s.authMode as AuthMode) ? (s.authMode as AuthMode) : 'auto';
      const credential = s.credential === 'token' || s.credential === 'password' ? s.credential : 'none';
      const entry: SavedServer = { id, authMode, credential, addedAt: typeof s.addedAt === 'string' ? s.addedAt : new Date(0).toISOString() };
      if (typeof s.name === 'string' && s.name) entry.name = s.name;
      if (Array.isArray(s.trustedCertificates)) entry.trustedCertificates = s.trustedCertificates.filter((c): c is string => typeof c === 'string');
      out.push(entry);
    } catch (err) {
      log.warn(`skipping a saved server entry that is not valid (${(err as Error).message})`);
      unreadable.push(item);
    }
  }
  return { servers: out, unreadable };
}

export async function writeSavedServers(state: StateStore, list: SavedServerList): Promise<void> {
  await state.update(SAVED_SERVERS_KEY, [...list.servers, ...list.unreadable]);
}
