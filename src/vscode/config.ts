import { homedir } from 'node:os';
import * as vscode from 'vscode';
import { DEFAULT_HUB_SETTINGS, type HubSettings } from '../core/hub/hubs';
import { DEFAULT_LIFECYCLE, type LifecycleSettings } from '../core/lifecycle/supervisor';
import { SETTINGS_SECTION } from './ids';

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
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? homedir() + p.slice(1) : p;
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const dirs = c.get<unknown>('discovery.extraRuntimeDirs', []);
  const seconds = Math.max(0, c.get<number>('kernels.refreshInterval', 10));
  const idleMinutes = Math.max(0, c.get<number>('session.idleTimeout', 15));
  return {
    discoveryEnabled: c.get<boolean>('discovery.enabled', true),
    extraRuntimeDirs: Array.isArray(dirs) ? dirs.filter((d): d is string => typeof d === 'string' && d.trim() !== '').map((d) => expandHome(d.trim())) : [],
    jupyterCommand: c.get<string>('discovery.jupyterCommand', '').trim(),
    autoConnectDiscovered: c.get<boolean>('discovery.autoConnect', true),
    reconnectOnStartup: c.get<boolean>('reconnectOnStartup', true),
    // Below two seconds the view would poll faster than a person can read it.
    kernelRefreshMs: seconds === 0 ? 0 : Math.max(2, seconds) * 1000,
    lifecycle: { ...DEFAULT_LIFECYCLE, idleTimeoutMs: idleMinutes * 60_000 },
    hub: {
      // A minute at least (shorter tokens would renew all the time); a year at most.
      tokenLifetimeDays: Math.min(365, Math.max(1 / 1440, c.get<number>('hub.tokenLifetimeDays', DEFAULT_HUB_SETTINGS.tokenLifetimeDays))),
      silentRenewal: c.get<boolean>('hub.silentRenewal', DEFAULT_HUB_SETTINGS.silentRenewal),
    },
  };
}

/** Fires with the new settings when anything under `secureJupyter.` changed. */
export function onDidChangeSettings(listener: (s: Settings) => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(SETTINGS_SECTION)) listener(readSettings());
  });
}
