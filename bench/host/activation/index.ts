// Runs inside the real VS Code extension host (test/host/harness/run.js --tests <this file>): times
// `extension.activate()` for the extension under test and writes the figure to $SJC_BENCH_ACTIVATION_OUT.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import * as vscode from 'vscode';


export async function run(): Promise<void> {
  const out = process.env['SJC_BENCH_ACTIVATION_OUT'];
  const id = process.env['SJC_BENCH_EXTENSION_ID'] ?? 'secure-jupyter-connections.secure-jupyter-connections';
  const ext = vscode.extensions.getExtension(id);
  if (!ext) throw new Error(`${id} is not loaded`);
  const wasActive = ext.isActive;
  // SJC_BENCH_ACTIVATION_PROFILE=<prefix>: also write <prefix>-<extension id>.cpuprofile, a CPU profile of the activation (open it in Chrome DevTools).
  const profileOut = process.env['SJC_BENCH_ACTIVATION_PROFILE'];
  const session = profileOut ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
  }
  const t0 = performance.now();
  await ext.activate();
  const ms = performance.now() - t0;
  if (session && profileOut) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(`${profileOut}-${id}.cpuprofile`, JSON.stringify(profile));
    session.disconnect();
  }
  const result = { ms, wasActive, vscode: vscode.version, node: process.version };
  if (out) writeFileSync(out, JSON.stringify(result));
  console.log(`activation: ${ms.toFixed(1)} ms (was active: ${wasActive})`);
}
