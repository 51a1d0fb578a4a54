import * as vscode from 'vscode';
import type { ServerRegistry } from '../../core/registry/registry';
import type { Disposable } from '../../core/util/disposable';
import { COMMANDS } from '../ids';
import { serverLabel, stateDetail } from '../presentation/serverPresentation';
import { summarize, type ConnectionSummary } from './summary';

const DEBOUNCE_MS = 50;

/** One status bar item summarising every connection; a click opens the connections quick pick. */
export class ConnectionStatusBar implements Disposable {
  readonly item: vscode.StatusBarItem;
  private readonly subscription: vscode.Disposable;
  private timer: NodeJS.Timeout | undefined;
  private summaryValue: ConnectionSummary;

  constructor(private readonly registry: ServerRegistry) {
    this.item = vscode.window.createStatusBarItem('secureJupyter.status', vscode.StatusBarAlignment.Left, 50);
    this.item.name = vscode.l10n.t('Jupyter Connections');
    this.item.command = COMMANDS.showConnections;
    this.summaryValue = summarize([]);
    this.subscription = registry.onDidChange(() => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.update(), DEBOUNCE_MS);
    });
    this.update();
    this.item.show();
  }

  get summary(): ConnectionSummary {
    return this.summaryValue;
  }

  update(): void {
    const servers = this.registry.list();
    const s = summarize(servers);
    this.summaryValue = s;
    this.item.text = s.text;
    this.item.backgroundColor =
      s.level === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground')
      : s.level === 'warning' ? new vscode.ThemeColor('statusBarItem.warningBackground')
      : undefined;
    const md = new vscode.MarkdownString('', true);
    md.appendMarkdown('**');
    md.appendText(vscode.l10n.t('Jupyter Connections'));
    md.appendMarkdown('**  \n');
    md.appendText(s.headline);
    md.appendMarkdown('\n\n');
    for (const c of servers) {
      md.appendMarkdown('- ');
      md.appendText(`${serverLabel(c)} — ${stateDetail(c)}`);
      md.appendMarkdown('\n');
    }
    this.item.tooltip = md;
    this.item.accessibilityInformation = { label: `${vscode.l10n.t('Jupyter Connections')}: ${s.headline}` };
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.subscription.dispose();
    this.item.dispose();
  }
}
