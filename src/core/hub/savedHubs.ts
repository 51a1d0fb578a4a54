import { endpointFromUrl } from '../server/endpoint';
import type { StateStore } from '../registry/stateStore';
import type { Logger } from '../util/log';

/** A hub the user added, as persisted: no token and never a password (the token is in the secret store by `id`). */
export interface SavedHub {
  /** The hub's API endpoint id, `<base>hub/`. */
  id: string;
  /** The hub's public base URL, `<base>`. */
  base: string;
  name?: string;
  user: string;
  /** How the token was had: minted from a password (renewable with one prompt), or pasted. */
  signIn: 'password' | 'token';
  /** The id of our token on the hub (`a12`), for renewal and revocation; unknown for a pasted token on a hub before 5.0. */
  tokenId?: string;
  /** The token's scopes as the hub reported them. */
  scopes: string[];
  /** ISO time; absent for a token that never expires. */
  expiresAt?: string;
  /** ISO time the token was made (for the renewal point). */
  tokenCreatedAt?: string;
  /** The hub's version when last seen. */
  version?: string;
  addedAt: string;
}

export const SAVED_HUBS_KEY = 'secure-jupyter-connections.hubs';

export interface SavedHubList {
  hubs: SavedHub[];
  /** Entries that could not be read, written back as they were. */
  unreadable: unknown[];
}

export function readSavedHubs(state: StateStore, log: Logger): SavedHubList {
  const raw = state.get<unknown>(SAVED_HUBS_KEY);
  if (raw === undefined) return { hubs: [], unreadable: [] };
  if (!Array.isArray(raw)) {
    log.warn('the saved hub list is not a list; ignoring it');
    return { hubs: [], unreadable: [raw] };
  }
  const hubs: SavedHub[] = [];
  const unreadable: unknown[] = [];
  for (const item of raw) {
    const h = item as Partial<SavedHub> | null;
    try {
      if (!h || typeof h.id !== 'string' || typeof h.base !== 'string' || typeof h.user !== 'string' || !h.user) throw new Error('no id, base or user');
      const entry: SavedHub = {
        id: endpointFromUrl(h.id).id,
        base: endpointFromUrl(h.base).id,
        user: h.user,
        signIn: h.signIn === 'token' ? 'token' : 'password',
        scopes: Array.isArray(h.scopes) ? h.scopes.filter((s): s is string => typeof s === 'string') : [],
        addedAt: typeof h.addedAt === 'string' ? h.addedAt : new Date(0).toISOString(),
      };
      for (const k of ['name', 'tokenId', 'expiresAt', 'tokenCreatedAt', 'version'] as const) {
        const v = h[k];
        if (typeof v === 'string' && v) entry[k] = v;
      }
      hubs.push(entry);
    } catch (err) {
      log.warn(`skipping a saved hub entry that is not valid (${(err as Error).message})`);
      unreadable.push(item);
    }
  }
  return { hubs, unreadable };
}

export async function writeSavedHubs(state: StateStore, list: SavedHubList): Promise<void> {
  await state.update(SAVED_HUBS_KEY, [...list.hubs, ...list.unreadable]);
}
