import type { Jupyter } from '@vscode/jupyter-extension';
import * as vscode from 'vscode';

/** The Jupyter extension's id; our provider registers only when it is installed (no hard dependency). */
export const JUPYTER_EXTENSION_ID = 'ms-toolsai.jupyter';

/** The Jupyter extension's API, activating it first; undefined when it is not installed. */
export async function jupyterApi(): Promise<Jupyter | undefined> {
  const ext = vscode.extensions.getExtension<Jupyter>(JUPYTER_EXTENSION_ID);
  if (!ext) return undefined;
  const api = ext.isActive ? ext.exports : await ext.activate();
  return typeof api?.createJupyterServerCollection === 'function' ? api : undefined;
}
