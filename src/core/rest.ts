import type { JupyterClient } from './transport/client';

/** Typed calls on the Jupyter REST API (shared by the CLI checks and the extension). */
export interface ServerStatus {
  connections: number;
  kernels: number;
  last_activity: string;
  started: string;
}

export interface KernelModel {
  id: string;
  name: string;
  last_activity?: string;
  execution_state?: string;
  connections?: number;
}

export interface SessionModel {
  id: string;
  path?: string;
  name?: string;
  type?: string;
  notebook?: { path?: string; name?: string };
  kernel: KernelModel | null;
}

export interface KernelSpecs {
  default: string;
  kernelspecs: Record<string, { name: string; spec: { display_name: string; language: string } }>;
}

type Opts = { signal?: AbortSignal; background?: boolean };

export function getStatus(client: JupyterClient, o: Opts = {}): Promise<ServerStatus> {
  return client.json<ServerStatus>('GET', 'api/status', o);
}

export function listKernels(client: JupyterClient, o: Opts = {}): Promise<KernelModel[]> {
  return client.json<KernelModel[]>('GET', 'api/kernels', o);
}

export function getKernel(client: JupyterClient, id: string, o: Opts = {}): Promise<KernelModel> {
  return client.json<KernelModel>('GET', `api/kernels/${encodeURIComponent(id)}`, o);
}

export function startKernel(client: JupyterClient, name?: string, o: Opts = {}): Promise<KernelModel> {
  return client.json<KernelModel>('POST', 'api/kernels', { ...o, json: name ? { name } : {} });
}

export async function shutdownKernel(client: JupyterClient, id: string, o: Opts = {}): Promise<void> {
  await client.request('DELETE', `api/kernels/${encodeURIComponent(id)}`, o);
}

export function listSessions(client: JupyterClient, o: Opts = {}): Promise<SessionModel[]> {
  return client.json<SessionModel[]>('GET', 'api/sessions', o);
}

export function getKernelSpecs(client: JupyterClient, o: Opts = {}): Promise<KernelSpecs> {
  return client.json<KernelSpecs>('GET', 'api/kernelspecs', o);
}
