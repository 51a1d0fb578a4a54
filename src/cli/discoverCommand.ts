import { existsSync } from 'node:fs';
import { listWithJupyterCommand } from '../core/discovery/listCommand';
import { currentDirContext, runtimeDirsToScan } from '../core/discovery/runtimeDirs';
import { RuntimeScanner, type DiscoveredServer } from '../core/discovery/scanner';
import { EXIT_OK, json, pad, type Output } from './output';

export interface DiscoverArgs {
  runtimeDirs: string[];
  json: boolean;
  probe: boolean;
  /** Also ask `jupyter … list --json` with this command. */
  jupyterCommand: string | undefined;
}

/** The secret-free view of a discovered server (no token, only whether there is one). */
export function describeServer(s: DiscoveredServer): Record<string, unknown> {
  const i = s.info;
  return {
    file: s.file,
    state: s.state,
    reason: s.reason,
    pid: s.pid ?? null,
    url: i?.url ?? null,
    kind: i?.kind ?? null,
    version: s.version ?? i?.version ?? null,
    baseUrl: i?.baseUrl ?? null,
    sock: i?.sock || null,
    secure: i?.secure ?? null,
    rootDir: i?.rootDir ?? null,
    hasToken: i ? i.token !== '' : null,
    hasPassword: i?.password ?? null,
  };
}

export async function discoverCommand(args: DiscoverArgs, output: Output, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const dirs = runtimeDirsToScan({ ...currentDirContext(), env }, args.runtimeDirs);
  const scanner = new RuntimeScanner();
  const servers = await scanner.scan(dirs, { probe: args.probe, parseStale: true, blocking: true });
  const fromCommand = args.jupyterCommand ? await listWithJupyterCommand(args.jupyterCommand, undefined, env) : undefined;
  if (args.json) {
    output.out(
      json({
        dirs: dirs.map((d) => ({ path: d, exists: existsSync(d) })),
        servers: servers.map(describeServer),
        ...(fromCommand
          ? {
              listed: fromCommand.servers.map((i) => ({ source: i.source, url: i.url, kind: i.kind, pid: i.pid, version: i.version ?? null, hasToken: i.token !== '' })),
              problems: fromCommand.problems,
            }
          : {}),
      }),
    );
    return EXIT_OK;
  }
  output.out(`Runtime dirs: ${dirs.map((d) => (existsSync(d) ? d : `${d} (missing)`)).join(', ')}`);
  if (servers.length === 0) output.out('No Jupyter runtime files found.');
  for (const s of servers) {
    const i = s.info;
    if (s.state === 'malformed') {
      output.out(`${pad('malformed', 10)}${s.reason}`);
      continue;
    }
    const what = i ? `${pad(i.kind, 15)}${pad(s.version ?? i.version ?? '', 8)}${i.url}` : s.file;
    output.out(`${pad(s.state, 10)}${what}  pid ${s.pid ?? '?'}${i?.rootDir ? `  root ${i.rootDir}` : ''}${i?.token ? '  token: in file (not shown)' : ''}`);
    output.out(`${' '.repeat(10)}${s.reason}`);
  }
  if (fromCommand) {
    for (const i of fromCommand.servers) output.out(`listed    ${pad(i.kind, 15)}${i.url}  pid ${i.pid}  (${i.source})`);
    for (const p of fromCommand.problems) output.err(`warning: ${p}`);
  }
  return EXIT_OK;
}
