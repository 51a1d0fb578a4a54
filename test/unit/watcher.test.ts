import assert from 'node:assert/strict';
import { mkdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { RuntimeScanner, type DiscoveredServer } from '../../src/core/discovery/scanner';
import { DiscoveryWatcher, type WatchOptions } from '../../src/core/discovery/watcher';
import { makeTempDir, nextEvent } from './helpers';

function runtimeJson(pid: number): string {
  return JSON.stringify({ base_url: '/', hostname: '127.0.0.1', pid, port: 20000 + pid, token: `tok-${pid}`, url: `http://127.0.0.1:${20000 + pid}/` });
}

const has = (name: string, state?: DiscoveredServer['state']) => (list: readonly DiscoveredServer[]): boolean =>
  list.some((s) => s.file.endsWith(`/${name}`) && (state === undefined || s.state === state));
const lacks = (name: string) => (list: readonly DiscoveredServer[]): boolean => !list.some((s) => s.file.endsWith(`/${name}`));

// Polls fast so the tests are quick; the periodic full rescan stays long, so only the mechanism under test can
// notice a change. No assertion is about timing: each test awaits the event it expects.
const FAST: WatchOptions = { probe: false, debounceMs: 10, pidPollMs: 20, missingDirPollMs: 20, rescanMs: 600_000 };

describe('discovery/watcher', () => {
  let dir: string;
  let cleanup: () => void;
  const alive = new Set<number>();
  const watchers: DiscoveryWatcher[] = [];

  function makeWatcher(dirs: string[], options: WatchOptions = FAST): DiscoveryWatcher {
    const scanner = new RuntimeScanner({ pidState: (pid) => (alive.has(pid) ? 'alive' : 'dead') });
    const w = new DiscoveryWatcher(scanner, dirs, options, undefined, (pid) => alive.has(pid));
    watchers.push(w);
    return w;
  }

  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir());
    alive.clear();
  });
  afterEach(() => {
    for (const w of watchers.splice(0)) w.dispose();
    cleanup();
  });

  it('start() scans at once: files already there are listed when it resolves', async () => {
    writeFileSync(join(dir, 'jpserver-1.json'), runtimeJson(1));
    writeFileSync(join(dir, 'jpserver-2.json'), runtimeJson(2));
    alive.add(1);
    const w = makeWatcher([dir]);
    await w.start();
    assert.deepEqual(
      w.servers.map((s) => [s.file, s.state]),
      [
        [join(dir, 'jpserver-1.json'), 'live'],
        [join(dir, 'jpserver-2.json'), 'stale'],
      ],
    );
    assert.deepEqual(w.liveServers.map((s) => s.pid), [1]);
  });

  it('a new runtime file appears in onDidChange', async () => {
    const w = makeWatcher([dir]);
    await w.start();
    assert.deepEqual(w.servers, []);
    alive.add(7);
    const seen = nextEvent(w.onDidChange, has('jpserver-7.json', 'live'), 'jpserver-7.json listed as live');
    writeFileSync(join(dir, 'jpserver-7.json'), runtimeJson(7));
    await seen;
    assert.ok(has('jpserver-7.json', 'live')(w.servers));
  });

  it('a removed runtime file disappears from the list', async () => {
    writeFileSync(join(dir, 'jpserver-7.json'), runtimeJson(7));
    alive.add(7);
    const w = makeWatcher([dir]);
    await w.start();
    assert.equal(w.servers.length, 1);
    const gone = nextEvent(w.onDidChange, lacks('jpserver-7.json'), 'jpserver-7.json removed');
    unlinkSync(join(dir, 'jpserver-7.json'));
    await gone;
    assert.deepEqual(w.servers, []);
  });

  it('notices a server that was killed (file left behind) through the pid poll', async () => {
    writeFileSync(join(dir, 'jpserver-7.json'), runtimeJson(7));
    alive.add(7);
    const w = makeWatcher([dir]);
    await w.start();
    assert.equal(w.liveServers.length, 1);
    const stale = nextEvent(w.onDidChange, has('jpserver-7.json', 'stale'), 'jpserver-7.json turning stale');
    alive.delete(7); // SIGKILL: no file event at all
    const [s] = await stale;
    assert.match(s?.reason ?? '', /not running/);
    assert.deepEqual(w.liveServers, []);
  });

  it('picks up a runtime dir created after start()', async () => {
    const later = join(dir, 'runtime');
    const w = makeWatcher([later]);
    await w.start();
    assert.deepEqual(w.servers, []);
    alive.add(9);
    const seen = nextEvent(w.onDidChange, has('jpserver-9.json', 'live'), 'a file in the new dir');
    mkdirSync(later);
    writeFileSync(join(later, 'jpserver-9.json'), runtimeJson(9));
    await seen;
  });

  it('keeps watching a runtime dir that is removed and created again', async () => {
    const rt = join(dir, 'runtime');
    mkdirSync(rt);
    writeFileSync(join(rt, 'jpserver-1.json'), runtimeJson(1));
    alive.add(1).add(2);
    const w = makeWatcher([rt]);
    await w.start();
    // Only a watcher that exists can lose track of its dir: wait until it reports a file it alone could see.
    const watching = nextEvent(w.onDidChange, has('jpserver-3.json'), 'the watcher is watching');
    writeFileSync(join(rt, 'jpserver-3.json'), runtimeJson(3));
    await watching;
    const emptied = nextEvent(w.onDidChange, (list) => list.length === 0, 'the dir removed');
    rmSync(rt, { recursive: true });
    await emptied;
    const back = nextEvent(w.onDidChange, has('jpserver-2.json', 'live'), 'a file in the re-created dir');
    mkdirSync(rt);
    writeFileSync(join(rt, 'jpserver-2.json'), runtimeJson(2));
    await back;
  });

  it('fires only when the list really changed', async () => {
    writeFileSync(join(dir, 'jpserver-1.json'), runtimeJson(1));
    alive.add(1);
    const w = makeWatcher([dir], { ...FAST, pidPollMs: 600_000, missingDirPollMs: 600_000 });
    const events: number[] = [];
    w.onDidChange((list) => events.push(list.length));
    await w.start();
    await w.rescan();
    await w.rescan();
    assert.deepEqual(events, [1], 'the first scan fires, identical rescans do not');
  });

  it('setDirs() switches to the new dirs and rescans at once', async () => {
    const other = join(dir, 'other');
    mkdirSync(other);
    writeFileSync(join(dir, 'jpserver-1.json'), runtimeJson(1));
    writeFileSync(join(other, 'jpserver-2.json'), runtimeJson(2));
    alive.add(1).add(2);
    const w = makeWatcher([dir]);
    await w.start();
    assert.deepEqual(w.servers.map((s) => s.pid), [1]);
    await w.setDirs([other]);
    assert.deepEqual(w.servers.map((s) => s.pid), [2]);
  });

  it('after dispose() no event fires and the list no longer changes', async () => {
    alive.add(1).add(2);
    const w = makeWatcher([dir]);
    await w.start();
    let fired = 0;
    w.onDidChange(() => fired++);
    w.dispose();
    w.dispose(); // idempotent

    // A second watcher on the same dir proves the file event happened and was debounced and scanned.
    const witness = makeWatcher([dir]);
    await witness.start();
    const seen = nextEvent(witness.onDidChange, has('jpserver-2.json'), 'the witness sees the new file');
    writeFileSync(join(dir, 'jpserver-2.json'), runtimeJson(2));
    await seen;
    await w.rescan(); // even an explicit rescan of a disposed watcher changes nothing
    assert.equal(fired, 0);
    assert.deepEqual(w.servers, []);
    let late = 0;
    w.onDidChange(() => late++).dispose();
    assert.equal(late, 0);
  });
});
