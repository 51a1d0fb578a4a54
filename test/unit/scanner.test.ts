import assert from 'node:assert/strict';
import { mkdirSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { PidState, ProbeResult, Prober } from '../../src/core/discovery/liveness';
import { RuntimeScanner, type DiscoveredServer } from '../../src/core/discovery/scanner';
import type { ServerEndpoint } from '../../src/core/server/endpoint';
import { Logger, MemorySink } from '../../src/core/util/log';
import { makeTempDir } from './helpers';

function runtimeJson(pid: number, port: number, token = `tok-${pid}`): string {
  return JSON.stringify({
    base_url: '/',
    hostname: '127.0.0.1',
    password: false,
    pid,
    port,
    root_dir: '/nbroot',
    secure: false,
    sock: '',
    token,
    url: `http://127.0.0.1:${port}/`,
    version: '1.23.3',
  });
}

/** Fakes for the two things a scan asks the system: is the pid alive, does the URL answer as Jupyter. */
class FakeSystem {
  readonly alive = new Set<number>();
  /** Ports that answer `GET api` with a version. */
  readonly answering = new Set<number>();
  readonly pidCalls: number[] = [];
  readonly probeCalls: string[] = [];
  onPidState: ((pid: number) => void) | undefined;

  pidState = (pid: number): PidState => {
    this.pidCalls.push(pid);
    this.onPidState?.(pid);
    return this.alive.has(pid) ? 'alive' : 'dead';
  };

  probe: Prober = async (endpoint: ServerEndpoint): Promise<ProbeResult> => {
    this.probeCalls.push(endpoint.id);
    const port = Number(endpoint.baseUrl.port);
    return this.answering.has(port)
      ? { answers: true, version: '1.23.3', detail: 'Jupyter 1.23.3' }
      : { answers: false, detail: 'GET api returned 404' };
  };
}

function byName(list: readonly DiscoveredServer[], name: string): DiscoveredServer {
  const found = list.find((s) => s.file.endsWith(`/${name}`));
  assert.ok(found, `${name} not in [${list.map((s) => s.file).join(', ')}]`);
  return found;
}

describe('discovery/scanner', () => {
  let dir: string;
  let cleanup: () => void;
  let sys: FakeSystem;
  let sink: MemorySink;
  let scanner: RuntimeScanner;

  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir());
    sys = new FakeSystem();
    sink = new MemorySink();
    scanner = new RuntimeScanner({ pidState: sys.pidState, probe: sys.probe, log: new Logger(sink, 'debug') });
  });
  afterEach(() => cleanup());

  it('tells live, stale, recycled-pid and malformed files apart, and keeps scanning past the bad one', async () => {
    writeFileSync(join(dir, 'jpserver-101.json'), runtimeJson(101, 18101));
    writeFileSync(join(dir, 'nbserver-202.json'), runtimeJson(202, 18202));
    writeFileSync(join(dir, 'jpserver-303.json'), runtimeJson(303, 18303));
    writeFileSync(join(dir, 'jpserver-404.json'), '{"url": "http://127.0.0.1:18404/", "pid": 404, ');
    writeFileSync(join(dir, 'jpserver-505.json'), runtimeJson(505, 18505));
    sys.alive.add(101).add(303).add(404).add(505);
    sys.answering.add(18101).add(18505);

    const list = await scanner.scan([dir]);
    assert.deepEqual(
      list.map((s) => s.file),
      ['jpserver-101.json', 'jpserver-303.json', 'jpserver-404.json', 'jpserver-505.json', 'nbserver-202.json'].map((n) => join(dir, n)),
      'every runtime file once, sorted',
    );

    const live = byName(list, 'jpserver-101.json');
    assert.equal(live.state, 'live');
    assert.equal(live.pid, 101);
    assert.equal(live.version, '1.23.3');
    assert.equal(live.info?.endpoint.id, 'http://127.0.0.1:18101/');
    assert.equal(live.info?.token, 'tok-101');
    assert.match(live.reason, /process 101 is running and answers/);

    const stale = byName(list, 'nbserver-202.json');
    assert.equal(stale.state, 'stale');
    assert.equal(stale.info?.kind, 'notebook', 'the kind comes from the file name');
    assert.match(stale.reason, /process 202 is not running/);

    const recycled = byName(list, 'jpserver-303.json');
    assert.equal(recycled.state, 'stale');
    assert.match(recycled.reason, /process 303 is running, but .* does not answer as Jupyter/);
    assert.match(recycled.reason, /reused/);

    const malformed = byName(list, 'jpserver-404.json');
    assert.equal(malformed.state, 'malformed');
    assert.equal(malformed.pid, 404);
    assert.equal(malformed.error?.code, 'InvalidInput');
    assert.ok(malformed.reason.includes(join(dir, 'jpserver-404.json')), malformed.reason);

    assert.equal(byName(list, 'jpserver-505.json').state, 'live', 'a file after the malformed one is still read');
    assert.deepEqual(sys.probeCalls.sort(), ['http://127.0.0.1:18101/', 'http://127.0.0.1:18303/', 'http://127.0.0.1:18505/'], 'dead pids are not probed');
  });

  it('ignores other files in the runtime dir (open.html, kernel files, cookie secret, subdirs)', async () => {
    writeFileSync(join(dir, 'jpserver-101-open.html'), '<meta http-equiv="refresh" content="1;url=http://127.0.0.1:1/?token=x" />');
    writeFileSync(join(dir, 'kernel-7ebc0bec-b09b-4cba-ba77-9ad4dd69eb76.json'), '{"key": "hmac"}');
    writeFileSync(join(dir, 'jupyter_cookie_secret'), 'c2VjcmV0\n');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'jpserver-101.json'), runtimeJson(101, 18101));
    assert.deepEqual(await scanner.scan([dir]), []);
    assert.deepEqual(sys.pidCalls, []);
  });

  it('with probe:false a running pid is live without asking the server', async () => {
    writeFileSync(join(dir, 'jpserver-101.json'), runtimeJson(101, 18101));
    sys.alive.add(101);
    const [s] = await scanner.scan([dir], { probe: false });
    assert.equal(s?.state, 'live');
    assert.match(s?.reason ?? '', /process 101 is running/);
    assert.deepEqual(sys.probeCalls, []);
  });

  it('with parseStale:false does not read files whose pid is dead', async () => {
    // Malformed content proves it: had the file been read, the state would be "malformed".
    writeFileSync(join(dir, 'jpserver-202.json'), 'not json at all');
    const [s] = await scanner.scan([dir], { parseStale: false });
    assert.equal(s?.state, 'stale');
    assert.equal(s?.info, undefined);
    assert.equal(s?.error, undefined);
    assert.match(s?.reason ?? '', /process 202 is not running/);

    const [again] = await scanner.scan([dir], { parseStale: true });
    assert.equal(again?.state, 'malformed', 'the default reads it');
  });

  it('checks the pid inside the file when it differs from the one in the name', async () => {
    writeFileSync(join(dir, 'jpserver-101.json'), runtimeJson(777, 18101));
    sys.alive.add(101); // the name's pid is alive, the file's is not
    const [s] = await scanner.scan([dir], { probe: false });
    assert.equal(s?.state, 'stale');
    assert.equal(s?.pid, 777);
    assert.deepEqual(sys.pidCalls, [101, 777]);
  });

  it('does not re-read a file whose mtime and size are unchanged, and re-reads it when they change', async () => {
    const file = join(dir, 'jpserver-101.json');
    const t0 = new Date('2026-01-01T00:00:00Z'); // whole seconds: utimes can put it back exactly
    writeFileSync(file, runtimeJson(101, 18101, 'tok-first-aaaa'));
    utimesSync(file, t0, t0);
    sys.alive.add(101);
    const first = await scanner.scan([dir], { probe: false });
    assert.equal(first[0]?.info?.token, 'tok-first-aaaa');

    // Same size, different content, mtime put back: only a re-read could see the new token.
    writeFileSync(file, runtimeJson(101, 18101, 'tok-other-bbbb'));
    utimesSync(file, t0, t0);
    const cached = await scanner.scan([dir], { probe: false });
    assert.equal(cached[0]?.info?.token, 'tok-first-aaaa', 'the cached parse was used');

    utimesSync(file, t0, new Date(t0.getTime() + 5000));
    const reread = await scanner.scan([dir], { probe: false });
    assert.equal(reread[0]?.info?.token, 'tok-other-bbbb', 'a new mtime is read again');
  });

  it('re-reads a file whose size changed even with the same mtime', async () => {
    const file = join(dir, 'jpserver-101.json');
    const t0 = new Date('2026-01-01T00:00:00Z');
    writeFileSync(file, runtimeJson(101, 18101, 'tok-a'));
    utimesSync(file, t0, t0);
    sys.alive.add(101);
    await scanner.scan([dir], { probe: false });
    writeFileSync(file, runtimeJson(101, 18101, 'tok-longer-value'));
    utimesSync(file, t0, t0);
    const [s] = await scanner.scan([dir], { probe: false });
    assert.equal(s?.info?.token, 'tok-longer-value');
  });

  it('reuses a positive probe answer, asks again after a negative one or forgetProbes()', async () => {
    writeFileSync(join(dir, 'jpserver-101.json'), runtimeJson(101, 18101));
    writeFileSync(join(dir, 'jpserver-303.json'), runtimeJson(303, 18303));
    sys.alive.add(101).add(303);
    sys.answering.add(18101);
    await scanner.scan([dir]);
    await scanner.scan([dir]);
    assert.deepEqual(sys.probeCalls.filter((u) => u.includes('18101')).length, 1, 'a live server is probed once');
    assert.deepEqual(sys.probeCalls.filter((u) => u.includes('18303')).length, 2, 'a server that did not answer (still starting?) is asked again');

    sys.answering.add(18303);
    const list = await scanner.scan([dir]);
    assert.equal(byName(list, 'jpserver-303.json').state, 'live', 'a server that starts answering becomes live');

    scanner.forgetProbes();
    await scanner.scan([dir]);
    assert.equal(sys.probeCalls.filter((u) => u.includes('18101')).length, 2);
  });

  it('drops files that vanished since the last scan', async () => {
    writeFileSync(join(dir, 'jpserver-101.json'), runtimeJson(101, 18101));
    writeFileSync(join(dir, 'jpserver-102.json'), runtimeJson(102, 18102));
    sys.alive.add(101).add(102);
    assert.equal((await scanner.scan([dir], { probe: false })).length, 2);
    unlinkSync(join(dir, 'jpserver-101.json'));
    const list = await scanner.scan([dir], { probe: false });
    assert.deepEqual(list.map((s) => s.file), [join(dir, 'jpserver-102.json')]);
  });

  it('skips a file that vanishes between listing and reading (a server shutting down)', async () => {
    writeFileSync(join(dir, 'jpserver-101.json'), runtimeJson(101, 18101));
    writeFileSync(join(dir, 'jpserver-102.json'), runtimeJson(102, 18102));
    sys.alive.add(101).add(102);
    // pidState runs after readdir and before the read: remove the file right then.
    sys.onPidState = (pid) => {
      if (pid === 101) unlinkSync(join(dir, 'jpserver-101.json'));
    };
    const list = await scanner.scan([dir], { probe: false });
    assert.deepEqual(list.map((s) => s.file), [join(dir, 'jpserver-102.json')]);
  });

  it('scans several dirs; a missing dir is no error and no warning', async () => {
    const other = join(dir, 'other');
    mkdirSync(other);
    writeFileSync(join(dir, 'jpserver-101.json'), runtimeJson(101, 18101));
    writeFileSync(join(other, 'nbserver-202.json'), runtimeJson(202, 18202));
    const list = await scanner.scan([dir, join(dir, 'does-not-exist'), other], { probe: false });
    assert.deepEqual(list.map((s) => s.file).sort(), [join(dir, 'jpserver-101.json'), join(other, 'nbserver-202.json')].sort());
    assert.deepEqual(sink.lines, []);
  });

  it('treats a runtime "dir" that is a file as empty', async () => {
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, '');
    assert.deepEqual(await scanner.scan([file]), []);
  });
  it('blocking:true (the CLI) finds exactly what the default asynchronous scan finds', async () => {
    writeFileSync(join(dir, 'jpserver-101.json'), runtimeJson(101, 18101));
    writeFileSync(join(dir, 'nbserver-202.json'), runtimeJson(202, 18202));
    writeFileSync(join(dir, 'jpserver-303.json'), runtimeJson(303, 18303));
    writeFileSync(join(dir, 'jpserver-404.json'), '{"url": "http://127.0.0.1:18404/", "pid": 404, ');
    sys.alive.add(101).add(303).add(404);
    sys.answering.add(18101);
    const view = (l: DiscoveredServer[]): unknown => l.map((x) => [x.file, x.state, x.reason, x.pid, x.info?.url, x.info?.kind, x.error?.code]);
    const async = await scanner.scan([dir]);
    const blocking = await new RuntimeScanner({ pidState: sys.pidState, probe: sys.probe }).scan([dir], { blocking: true });
    assert.equal(async.length, 4);
    assert.deepEqual(view(blocking), view(async));
  });

  it('a file whose pid is dead is described from the cache once read; a live pid has its file read again', async () => {
    const file = join(dir, 'jpserver-101.json');
    const t0 = new Date('2026-01-01T00:00:00Z');
    writeFileSync(file, runtimeJson(101, 18101, 'tok-first-aaaa'));
    utimesSync(file, t0, t0);
    const first = await scanner.scan([dir], { probe: false });
    assert.equal(first[0]?.state, 'stale');
    assert.equal(first[0]?.info?.token, 'tok-first-aaaa');

    writeFileSync(file, runtimeJson(101, 18101, 'tok-other-bbbb'));
    utimesSync(file, t0, new Date(t0.getTime() + 5000));
    const again = await scanner.scan([dir], { probe: false });
    assert.equal(again[0]?.state, 'stale');
    assert.equal(again[0]?.info?.token, 'tok-first-aaaa', 'no server can have rewritten a dead pid’s file: not read again');

    sys.alive.add(101); // a new server got pid 101 and wrote its file
    const live = await scanner.scan([dir], { probe: false });
    assert.equal(live[0]?.state, 'live');
    assert.equal(live[0]?.info?.token, 'tok-other-bbbb');
  });
});
