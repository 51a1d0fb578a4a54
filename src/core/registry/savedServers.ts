import { endpointFromUrl } from '../server/endpoint';
import { AUTH_MODES, type AuthMode } from '../session/credentials';
import type { Logger } from '../util/log';
import type { StateStore } from './stateStore';
import type { SavedTrust } from './transportFor';
import { normalisePin } from '../transport/tlsTrust';

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
  /** Trust files and pins for this server (paths and fingerprints; a key's passphrase is in the secret store). */
  trust?: SavedTrust;
  /** `direct`, or a proxy URL for this server only (no credentials in it); absent: the shared proxy settings. */
  proxy?: string;
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
      const trust = readTrust(s.trust);
      if (trust) entry.trust = trust;
      if (typeof s.proxy === 'string' && s.proxy) entry.proxy = s.proxy;
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

/** A saved trust object, keeping what is well-formed (a pin that is no fingerprint is dropped). */
function readTrust(raw: unknown): SavedTrust | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const t = raw as Record<string, unknown>;
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : []);
  const caFiles = strings(t['caFiles']);
  const pins = strings(t['pins']).flatMap((p) => {
    try {
      return [normalisePin(p)];
    } catch {
      return [];
    }
  });
  const cc = t['clientCert'] as Record<string, unknown> | undefined;
  const clientCert =
    cc && typeof cc['pfxFile'] === 'string'
      ? { pfxFile: cc['pfxFile'] }
      : cc && typeof cc['certFile'] === 'string' && typeof cc['keyFile'] === 'string'
        ? { certFile: cc['certFile'], keyFile: cc['keyFile'] }
        : undefined;
  const out: { caFiles?: string[]; pins?: string[]; clientCert?: NonNullable<SavedTrust['clientCert']> } = {};
  if (caFiles.length) out.caFiles = caFiles;
  if (pins.length) out.pins = pins;
  if (clientCert) out.clientCert = clientCert;
  return Object.keys(out).length ? out : undefined;
}
