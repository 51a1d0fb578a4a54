import { homedir } from 'node:os';
import * as vscode from 'vscode';
import { DEFAULT_HUB_SETTINGS, type HubSettings } from '../core/hub/hubs';
import { KEEP_ALIVE_OFF } from '../core/lifecycle/keepAlive';
import { DEFAULT_LIVENESS } from '../core/lifecycle/socketLiveness';
import { DEFAULT_LIFECYCLE, type LifecycleSettings } from '../core/lifecycle/supervisor';
import { SETTINGS_SECTION } from './ids';
import type { TransportOptions } from '../core/transport/dispatcher';
import type { ProxySettings } from '../core/transport/proxy';
import { registerSecret } from '../core/util/redact';

/** The extension's settings, read once per change (package.json documents each). */
export interface Settings {
  discoveryEnabled: boolean;
  /** Absolute paths, `~` expanded. */
  extraRuntimeDirs: string[];
  /** Empty: `jupyter … list --json` is not run. */
  jupyterCommand: string;
  autoConnectDiscovered: boolean;
  reconnectOnStartup: boolean;
  /** 0: kernels are only listed on connect, refresh and after actions. */
  kernelRefreshMs: number;
  lifecycle: LifecycleSettings;
  hub: HubSettings;
  /** The editor's proxy settings (http.*), for every server without its own choice. */
  proxy: ProxySettings | undefined;
}

/**
 * VS Code's proxy settings as our transport takes them: `http.proxy` unless `http.proxySupport` is `off`,
 * `http.noProxy`, `http.proxyAuthorization` (a secret). Empty `http.proxy`: the environment's HTTPS_PROXY/
 * HTTP_PROXY/NO_PROXY apply (undici reads them), as VS Code itself does. `http.proxyStrictSSL` cannot turn off
 * verification of an https proxy's certificate here (verification is never turned off).
 */
function readProxy(): ProxySettings | undefined {
  const h = vscode.workspace.getConfiguration('http');
  if (h.get<string>('proxySupport', 'override') === 'off') return undefined;
  const uri = h.get<string>('proxy', '').trim();
  const noProxy = h.get<unknown>('noProxy', []);
  const authorization = h.get<string | null>('proxyAuthorization', null)?.trim();
  registerSecret(authorization);
  return {
    ...(uri ? { uri } : {}),
    ...(Array.isArray(noProxy) ? { noProxy: noProxy.filter((n): n is string => typeof n === 'string' && n.trim() !== '') } : {}),
    ...(authorization ? { authorization } : {}),
  };
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? homedir() + p.slice(1) : p;
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const dirs = c.get<unknown>('discovery.extraRuntimeDirs', []);
  const seconds = Math.max(0, c.get<number>('kernels.refreshInterval', 10));
  const idleMinutes = Math.max(0, c.get<number>('session.idleTimeout', 15));
  const keepAlive = {
    enabled: c.get<boolean>('keepAliveWhileBusy.enabled', KEEP_ALIVE_OFF.enabled),
    // A minute at least: a culler counts in minutes, and the server is asked no more often than that.
    intervalMs: Math.max(1, c.get<number>('keepAliveWhileBusy.intervalMinutes', KEEP_ALIVE_OFF.intervalMs / 60_000)) * 60_000,
    maxMs: Math.max(1 / 60, c.get<number>('keepAliveWhileBusy.maxHours', KEEP_ALIVE_OFF.maxMs / 3_600_000)) * 3_600_000,
  };
  const pingSeconds = Math.max(0, c.get<number>('kernels.pingInterval', DEFAULT_LIVENESS.pingIntervalMs / 1000));
  const deadSeconds = Math.max(2, c.get<number>('kernels.deadSocketTimeout', DEFAULT_LIVENESS.deadAfterMs / 1000));
  return {
    discoveryEnabled: c.get<boolean>('discovery.enabled', true),
    extraRuntimeDirs: Array.isArray(dirs) ? dirs.filter((d): d is string => typeof d === 'string' && d.trim() !== '').map((d) => expandHome(d.trim())) : [],
    jupyterCommand: c.get<string>('discovery.jupyterCommand', '').trim(),
    autoConnectDiscovered: c.get<boolean>('discovery.autoConnect', true),
    reconnectOnStartup: c.get<boolean>('reconnectOnStartup', true),
    // Below two seconds the view would poll faster than a person can read it.
    kernelRefreshMs: seconds === 0 ? 0 : Math.max(2, seconds) * 1000,
    lifecycle: {
      ...DEFAULT_LIFECYCLE,
      idleTimeoutMs: idleMinutes * 60_000,
      keepAlive,
      // Below a second pings would be traffic of their own; the dead limit is raised to two intervals in core.
      liveness: { pingIntervalMs: pingSeconds === 0 ? 0 : Math.max(1, pingSeconds) * 1000, deadAfterMs: deadSeconds * 1000 },
    },
    hub: {
      // A minute at least (shorter tokens would renew all the time); a year at most.
      tokenLifetimeDays: Math.min(365, Math.max(1 / 1440, c.get<number>('hub.tokenLifetimeDays', DEFAULT_HUB_SETTINGS.tokenLifetimeDays))),
      silentRenewal: c.get<boolean>('hub.silentRenewal', DEFAULT_HUB_SETTINGS.silentRenewal),
    },
    proxy: readProxy(),
  };
}

/** Fires with the new settings when anything under `secureJupyter.` changed. */
export function onDidChangeSettings(listener: (s: Settings) => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(SETTINGS_SECTION) || e.affectsConfiguration('http')) listener(readSettings());
  });
}

/**
 * The transport options every server shares: the proxy settings (timeouts are the transport's defaults). With
 * `http.proxySupport` off (no proxy settings) servers are reached directly, not through the HTTPS_PROXY/HTTP_PROXY
 * environment the shared route would fall back to; a server's own proxy (Set Proxy for Server…) still applies.
 */
export function transportSettings(s: Settings): TransportOptions {
  return s.proxy ? { proxy: s.proxy } : { proxyOverride: 'direct' };
}
