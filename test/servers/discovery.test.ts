import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { listWithJupyterCommand } from '../../src/core/discovery/listCommand';
import { RuntimeScanner, type DiscoveredServer } from '../../src/core/discovery/scanner';
import { DiscoveryWatcher } from '../../src/core/discovery/watcher';
import { startJupyter, stopAllJupyters } from './jupyter';

function waitFor(watcher: DiscoveryWatcher, pred: (list: readonly DiscoveredServer[]) => boolean, what: string, ms = 10_000): Promise<readonly DiscoveredServer[]> {
  if (pred(watcher.servers)) return Promise.resolve(watcher.servers);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out waiting for: ${what}; have ${JSON.stringify(watcher.servers.map((s) => [s.file, s.state]))}`));
    }, ms);
    const sub = watcher.onDidChange((list) => {
      if (pred(list)) {
        clearTimeout(timer);
        sub.dispose();
        resolve(list);
      }
    });
  });
}

describe('discovery against real servers', () => {
  after(() => stopAllJupyters());

  it('finds live notebook and jupyter-server runtime files with every field, and marks a SIGKILLed one stale', async () => {
    const runtimeDir = mkdtempSync(join(tmpdir(), 'sjc-rt-'));
    const [nb, js] = await Promise.all([
      startJupyter({ flavor: 'notebook', runtimeDir }),
      startJupyter({ flavor: 'server', runtimeDir, baseUrl: '/base/' }),
    ]);
    writeFileSync(join(runtimeDir, 'jpserver-999999.json'), '{"url": "http://127.0.0.1:1/", "pid": ');
    const scanner = new RuntimeScanner();
    const list = await scanner.scan([runtimeDir]);
    const byPid = (pid: number) => list.find((s) => s.pid === pid);
    const nbFound = byPid(nb.pid);
    const jsFound = byPid(js.pid);
    assert.equal(nbFound?.state, 'live');
    assert.equal(nbFound?.info?.kind, 'notebook');
    assert.equal(nbFound?.info?.token, nb.token);
    assert.equal(nbFound?.info?.rootDir, nb.rootDir, 'notebook_dir');
    assert.equal(nbFound?.version, '6.4.12', 'version from the probe (nbserver files have none)');
    assert.equal(jsFound?.state, 'live');
    assert.equal(jsFound?.info?.kind, 'jupyter-server');
    assert.equal(jsFound?.info?.version, '1.23.3');
    assert.equal(jsFound?.info?.baseUrl, '/base/');
    assert.equal(jsFound?.info?.url, js.url);
    assert.equal(jsFound?.info?.rootDir, js.rootDir, 'root_dir');
    const malformed = list.find((s) => s.file.endsWith('jpserver-999999.json'));
    assert.equal(malformed?.state, 'malformed');
    assert.match(malformed?.reason ?? '', /jpserver-999999\.json: is not valid JSON/);

    await nb.kill();
    const after = await scanner.scan([runtimeDir]);
    const killed = after.find((s) => s.pid === nb.pid);
    assert.equal(killed?.state, 'stale', 'SIGKILL leaves the file; the dead pid makes it stale');
    assert.match(killed?.reason ?? '', /not running/);
    assert.equal(after.find((s) => s.pid === js.pid)?.state, 'live');
  });

  it('the watcher lists a server as it starts and drops it when it is killed or stopped', async () => {
    const runtimeDir = mkdtempSync(join(tmpdir(), 'sjc-rt-'));
    const watcher = new DiscoveryWatcher(new RuntimeScanner(), [runtimeDir], { parseStale: true });
    try {
      await watcher.start();
      assert.equal(watcher.liveServers.length, 0);
      const server = await startJupyter({ flavor: 'server', runtimeDir });
      await waitFor(watcher, (l) => l.some((s) => s.pid === server.pid && s.state === 'live'), 'the new server listed live');
      await server.kill();
      await waitFor(watcher, (l) => l.some((s) => s.pid === server.pid && s.state === 'stale'), 'the killed server marked stale');
      const second = await startJupyter({ flavor: 'notebook', runtimeDir });
      await waitFor(watcher, (l) => l.some((s) => s.pid === second.pid && s.state === 'live'), 'the notebook listed live');
      await second.stop();
      await waitFor(watcher, (l) => !l.some((s) => s.pid === second.pid), 'the stopped server gone (clean shutdown removes its file)');
    } finally {
      watcher.dispose();
    }
  });

  it('`jupyter server list --json` and `jupyter notebook list --json` (JSON Lines) are parsed', async () => {
    const runtimeDir = mkdtempSync(join(tmpdir(), 'sjc-rt-'));
    const [nb, js] = await Promise.all([startJupyter({ flavor: 'notebook', runtimeDir }), startJupyter({ flavor: 'server', runtimeDir })]);
    const result = await listWithJupyterCommand('jupyter', 30_000, { ...process.env, JUPYTER_RUNTIME_DIR: runtimeDir });
    const urls = result.servers.map((s) => s.url).sort();
    assert.deepEqual(urls, [nb.url, js.url].sort());
    assert.equal(result.servers.find((s) => s.url === nb.url)?.token, nb.token);
    assert.deepEqual(result.problems, []);
  });
});
