import { shutdownKernel, startKernel } from '../rest';
import { KernelChannel } from '../kernel/channel';
import { describePlan } from '../session/credentials';
import type { JupyterClient } from '../transport/client';
import { JupyterError, TlsFailureError, toJupyterError, type PresentedCertificate } from '../util/errors';
import { redact } from '../util/redact';

export type CheckStepName = 'reach' | 'authenticate' | 'xsrf' | 'start-kernel' | 'kernel-websocket' | 'cleanup';

export const CHECK_STEPS: readonly CheckStepName[] = ['reach', 'authenticate', 'xsrf', 'start-kernel', 'kernel-websocket', 'cleanup'];

export interface CheckStep {
  name: CheckStepName;
  ok: boolean;
  ms: number;
  /** What was observed, redacted. */
  detail: string;
  /** The step did not run because an earlier one failed. */
  skipped?: boolean;
  /** The typed error code of a failed step. */
  error?: string;
  /** The certificate a TLS failure refused: what a person compares before trusting it. */
  certificate?: PresentedCertificate;
}

export interface CheckReport {
  ok: boolean;
  server: { url: string; version?: string; auth: string };
  steps: CheckStep[];
}

export interface CheckOptions {
  signal?: AbortSignal;
  kernelName?: string;
  /** Called as each step finishes (progress in the UI, streaming in the CLI). */
  onStep?: (step: CheckStep) => void;
}

/**
 * The connection check shared by `jupyter-secure check` and the extension's Test Connection: reach the API,
 * authenticate, an XSRF-protected write (starting a kernel), a kernel WebSocket `kernel_info` round trip, and
 * clean-up. Each step is timed and described; after a failure the rest is skipped, but a started kernel is
 * always shut down.
 */
export async function runCheck(client: JupyterClient, options: CheckOptions = {}): Promise<CheckReport> {
  const { signal } = options;
  const report: CheckReport = { ok: true, server: { url: client.endpoint.id, auth: describePlan(client.auth.plan) }, steps: [] };
  let failed = false;
  let kernelId: string | undefined;

  const step = async (name: CheckStepName, fn: () => Promise<string>): Promise<void> => {
    if (failed && name !== 'cleanup') {
      push({ name, ok: false, ms: 0, detail: 'skipped: an earlier step failed', skipped: true });
      return;
    }
    const t0 = performance.now();
    try {
      const detail = await fn();
      push({ name, ok: true, ms: Math.round(performance.now() - t0), detail: redact(detail) });
    } catch (err) {
      failed = true;
      const e = err instanceof JupyterError ? err : toJupyterError(err, client.endpoint.id);
      push({ name, ok: false, ms: Math.round(performance.now() - t0), detail: e.describe(), error: e.code, ...(e instanceof TlsFailureError && e.certificate ? { certificate: e.certificate } : {}) });
    }
  };
  const push = (s: CheckStep): void => {
    report.steps.push(s);
    if (!s.ok) report.ok = false;
    options.onStep?.(s);
  };

  await step('reach', async () => {
    const version = await client.probeVersion(signal);
    report.server.version = version;
    return `GET api: Jupyter ${version}`;
  });
  await step('authenticate', async () => {
    await client.authenticate(signal);
    const s = client.auth;
    if (s.plan === 'token-header') return `${describePlan(s.plan)}: accepted`;
    if (s.plan === 'anonymous') return 'the server accepts requests without credentials (authentication is off)';
    const expiry = s.jar.loginExpiry(client.endpoint.baseUrl);
    return `${describePlan(s.plan)}: signed in${expiry ? `, login cookie expires ${expiry.toISOString()}` : ''}`;
  });
  await step('xsrf', async () => {
    if (!client.auth.usesCookies) return 'not needed: token-authenticated requests are exempt from the XSRF check';
    await client.ensureXsrf(signal);
    return 'the _xsrf cookie is held and echoed in X-XSRFToken on every request';
  });
  await step('start-kernel', async () => {
    const k = await startKernel(client, options.kernelName, signal ? { signal } : {});
    kernelId = k.id;
    const guard = client.auth.usesCookies ? 'XSRF-protected write on the cookie session' : 'write with the token header';
    return `POST api/kernels (${guard}): kernel ${k.name} ${k.id}`;
  });
  await step('kernel-websocket', async () => {
    if (kernelId === undefined) throw new Error('no kernel');
    const channel = await KernelChannel.open(client, kernelId, signal ? { signal } : {});
    try {
      const reply = await channel.kernelInfo(signal ? { signal } : {});
      const c = reply.content as { implementation?: string; implementation_version?: string; protocol_version?: string; status?: string };
      if (c.status !== undefined && c.status !== 'ok') throw new Error(`kernel_info_reply status ${c.status}`);
      const proto = channel.protocol === 'v1' ? 'v1.kernel.websocket.jupyter.org' : 'JSON protocol';
      return `kernel_info_reply over ${proto}: ${c.implementation ?? '?'} ${c.implementation_version ?? ''}, messaging ${c.protocol_version ?? '?'}`;
    } finally {
      channel.dispose();
    }
  });
  await step('cleanup', async () => {
    if (kernelId === undefined) return 'nothing to clean up';
    // Not tied to the caller's signal: a cancelled check must still not leave a kernel running.
    await shutdownKernel(client, kernelId, { signal: AbortSignal.timeout(15_000) });
    return `DELETE api/kernels/${kernelId}: kernel shut down`;
  });
  return report;
}
