// `npm run test:desktop`: the same extension-host suites in a desktop VS Code, through @vscode/test-electron.
//
//   SJC_VSCODE_EXECUTABLE=/path/to/code npm run test:desktop       a desktop VS Code (Electron) on this machine
//   SJC_VSCODE_DOWNLOAD=stable|insiders|1.100.0 npm run test:desktop   let test-electron download one (needs internet)
//
// Without either it stops with exit code 2 and says so: it never pretends to have run. (This project's own
// `npm test` runs the suites in the VS Code server from npm instead; see scripts/test-host.sh.)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<number> {
  const executable = process.env['SJC_VSCODE_EXECUTABLE'] ?? process.env['VSCODE_EXECUTABLE_PATH'];
  const download = process.env['SJC_VSCODE_DOWNLOAD'];
  if (!executable && !download) {
    process.stderr.write(
      'test:desktop needs a desktop VS Code and none was given.\n' +
        '  Set SJC_VSCODE_EXECUTABLE to its executable (e.g. /usr/share/code/code, or\n' +
        '  "/Applications/Visual Studio Code.app/Contents/MacOS/Electron"), or SJC_VSCODE_DOWNLOAD=stable to let\n' +
        '  @vscode/test-electron download one (needs internet). Offline, run `npm run test:host` instead: the same\n' +
        '  suites in the real VS Code server from npm.\n',
    );
    return 2;
  }
  if (executable && !fs.existsSync(executable)) {
    process.stderr.write(`test:desktop: SJC_VSCODE_EXECUTABLE=${executable} does not exist\n`);
    return 2;
  }
  const repo = path.resolve(__dirname, '..', '..', '..', '..');
  // The same scratch layout as the VS Code server harness: the suites find user data next to HOME.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sjc-desktop-'));
  const dirs = { home: path.join(scratch, 'home'), userData: path.join(scratch, 'user-data'), extensions: path.join(scratch, 'extensions'), workspace: path.join(scratch, 'workspace') };
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
  fs.mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
  fs.writeFileSync(path.join(dirs.userData, 'User', 'settings.json'), JSON.stringify({ 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'update.mode': 'none' }, null, 2));
  try {
    return await runTests({
      ...(executable ? { vscodeExecutablePath: executable } : { version: download as string }),
      extensionDevelopmentPath: repo,
      extensionTestsPath: path.join(__dirname, 'index.js'),
      extensionTestsEnv: {
        HOME: dirs.home,
        XDG_CONFIG_HOME: path.join(dirs.home, '.config'),
        XDG_DATA_HOME: path.join(dirs.home, '.local', 'share'),
        XDG_CACHE_HOME: path.join(dirs.home, '.cache'),
      },
      launchArgs: [
        dirs.workspace,
        '--user-data-dir', dirs.userData,
        '--extensions-dir', dirs.extensions,
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        // No keyring prompt on a desktop without one; secrets are still encrypted in the state database.
        '--password-store=basic',
      ],
    });
  } catch (err) {
    process.stderr.write(`test:desktop: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    if (process.env['SJC_KEEP_SCRATCH'] !== '1') fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code));
