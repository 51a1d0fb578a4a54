import * as vscode from 'vscode';
import type { Disposable } from '../../core/util/disposable';

const SCHEME = 'secure-jupyter-report';

/** Read-only Markdown documents for reports (Test Connection): shown in a preview, never asking to be saved. */
export class ReportDocuments implements vscode.TextDocumentContentProvider, Disposable {
  private readonly contents = new Map<string, string>();
  private readonly registration: vscode.Disposable;
  private counter = 0;

  constructor() {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(SCHEME, this);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '';
  }

  /** Stores a report and opens it as a Markdown preview (or as text where no preview exists). */
  async show(title: string, markdown: string): Promise<vscode.Uri> {
    const safe = title.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'report';
    const uri = vscode.Uri.from({ scheme: SCHEME, path: `/${++this.counter}/${safe}.md` });
    this.contents.set(uri.toString(), markdown);
    try {
      await vscode.commands.executeCommand('markdown.showPreview', uri);
    } catch {
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: true });
    }
    return uri;
  }

  dispose(): void {
    this.registration.dispose();
    this.contents.clear();
  }
}
