import type * as vscode from 'vscode';
import type { HubRegistry } from '../../core/hub/hubs';
import type { ServerRegistry } from '../../core/registry/registry';
import type { Logger } from '../../core/util/log';
import type { AutoConnect } from '../discovery/autoConnect';
import type { DiscoveryService } from '../discovery/discoveryService';
import type { KernelPoller } from '../tree/kernelPoller';
import type { SecurityState } from '../security/securityState';
import type { ServerTreeView } from '../tree/serverTree';
import type { ReportDocuments } from './reportDocuments';

/** What the command handlers work with (built in extension.ts). */
export interface CommandDeps {
  readonly registry: ServerRegistry;
  readonly hubs: HubRegistry;
  readonly discovery: DiscoveryService;
  readonly poller: KernelPoller;
  readonly tree: ServerTreeView;
  readonly autoConnect: AutoConnect;
  readonly output: vscode.LogOutputChannel;
  readonly reports: ReportDocuments;
  readonly log: Logger;
  readonly security: SecurityState;
}
