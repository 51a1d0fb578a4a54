// Composition root: builds the core over VS Code's storage and log, then the views and commands on top.
import * as vscode from 'vscode';
import { HubRegistry } from './core/hub/hubs';
import { NotebookUse } from './core/provider/notebookUse';
import { ServerRegistry } from './core/registry/registry';
import { TokenRecovery } from './core/registry/tokenRecovery';
import { DisposableStore } from './core/util/disposable';
import type { TestApi } from './vscode/testApi';
import { NewTokenPrompt } from './vscode/commands/newTokenPrompt';
import { registerCommands } from './vscode/commands/register';
import { ReportDocuments } from './vscode/commands/reportDocuments';
import { onDidChangeSettings, readSettings, transportSettings } from './vscode/config';
import { AutoConnect } from './vscode/discovery/autoConnect';
import { DiscoveryService } from './vscode/discovery/discoveryService';
import { HubSignInNotifier } from './vscode/hub/hubSignInNotifier';
import { KeepAliveNotifier } from './vscode/lifecycle/keepAliveNotifier';
import { registerJupyterProvider } from './vscode/jupyter/jupyterIntegration';
import { createChannelLogger } from './vscode/platform/logChannel';
import { MementoStateStore } from './vscode/platform/mementoState';
import { SecretStorageAdapter } from './vscode/platform/secretStorage';
import { SecurityNotifier } from './vscode/security/securityNotifier';
import { SecurityState } from './vscode/security/securityState';
import { ConnectionStatusBar } from './vscode/statusBar/statusBar';
import { KernelPoller } from './vscode/tree/kernelPoller';
import { ServerTreeView } from './vscode/tree/serverTree';

let registryForDeactivate: ServerRegistry | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<TestApi | undefined> {
  // Disposed newest first: views and discovery go before the registry they use.
  const store = new DisposableStore();
  context.subscriptions.push(store);
  const push = <T extends vscode.Disposable>(d: T): T => store.add(d);
  const output = push(vscode.window.createOutputChannel(vscode.l10n.t('Jupyter Connections'), { log: true }));
  const { logger: log, subscription } = createChannelLogger(output);
  push(subscription);

  const settings = readSettings();
  const secrets = new SecretStorageAdapter(context.secrets);
  // One writer for globalState: see MementoStateStore on why its writers must not race.
  const state = new MementoStateStore(context.globalState, log);
  const registry = push(new ServerRegistry({ secrets, state, log, lifecycle: settings.lifecycle, transport: transportSettings(settings) }));
  registryForDeactivate = registry;
  registry.init();
  const hubs = push(new HubRegistry({ registry, secrets, state, log, settings: settings.hub, transport: transportSettings(settings) }));
  hubs.init();

  const discovery = push(new DiscoveryService(registry, log));
  const security = push(new SecurityState(registry, () => discovery.dirs, log, hubs));
  const notebooks = push(new NotebookUse());
  const tree = push(new ServerTreeView(registry, security, notebooks, hubs));
  const statusBar = push(new ConnectionStatusBar(registry));
  push(security.onDidChange(() => statusBar.update()));
  push(new SecurityNotifier(security, registry, state));
  const poller = push(new KernelPoller(tree.view, registry, log, settings.kernelRefreshMs, hubs));
  const autoConnect = push(new AutoConnect(registry, state, log, settings));
  push(registry.setRediscover(() => discovery.rediscover()));
  const tokenRecovery = push(new TokenRecovery(registry, new NewTokenPrompt(), log));
  const reports = push(new ReportDocuments());
  push(new HubSignInNotifier(hubs));
  push(new KeepAliveNotifier(registry));
  push(registerJupyterProvider(registry, notebooks, state, log));
  for (const d of registerCommands({ registry, hubs, discovery, poller, tree, autoConnect, output, reports, log, security })) push(d);

  // The context key changes with the server list, not with each kernel listing: set it only when it flips.
  let hasServers: boolean | undefined;
  const updateHasServers = (): void => {
    const next = registry.list().length > 0 || hubs.list().length > 0;
    if (next === hasServers) return;
    hasServers = next;
    void vscode.commands.executeCommand('setContext', 'secureJupyter.hasServers', next);
  };
  push(registry.onDidChange(updateHasServers));
  push(hubs.onDidChange(updateHasServers));
  updateHasServers();

  let lastProxy = settings.proxy;
  push(
    onDidChangeSettings((next) => {
      registry.updateLifecycle(next.lifecycle);
      hubs.updateSettings(next.hub);
      const transport = transportSettings(next);
      if (JSON.stringify(transport.proxy) !== JSON.stringify(lastProxy)) {
        lastProxy = transport.proxy;
        hubs.updateTransport(transport);
        registry.updateTransport(transport).catch((err: unknown) => log.warn(`applying the proxy settings: ${(err as Error).message}`));
      }
      poller.setInterval(next.kernelRefreshMs);
      autoConnect.update(next);
      discovery.apply(next).catch((err: unknown) => log.warn(`discovery: ${(err as Error).message}`));
    }),
  );
  // Discovery starts in the background: activation (and the status bar) do not wait for the first scan.
  discovery.apply(settings).catch((err: unknown) => log.warn(`discovery: ${(err as Error).message}`));
  autoConnect.update(settings);
  log.info(`Secure Jupyter Connections ${String(context.extension.packageJSON.version)} started (VS Code ${vscode.version})`);

  if (context.extensionMode !== vscode.ExtensionMode.Test) return undefined;
  return {
    registry,
    hubs,
    secrets,
    globalState: context.globalState,
    discovery,
    security,
    tokenRecovery,
    tree: { getChildren: (n) => tree.getChildren(n), getTreeItem: (n) => tree.getTreeItem(n), settled: () => tree.scheduleRefresh() },
    statusBar: {
      item: statusBar.item,
      get summary() {
        return statusBar.summary;
      },
      update: () => statusBar.update(),
    },
  };
}

/** Writes pending cookie sessions to the secret storage so the next window resumes them. */
export async function deactivate(): Promise<void> {
  const registry = registryForDeactivate;
  registryForDeactivate = undefined;
  if (registry) await Promise.all(registry.list().map((c) => c.flushCookies().catch(() => undefined)));
}
