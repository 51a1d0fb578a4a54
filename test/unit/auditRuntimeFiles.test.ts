import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { RuntimeFileObservation } from '../../src/core/audit/observations';
import { observeRuntimeFiles } from '../../src/core/audit/runtimeFiles';
import { modeString, readableByOthers, runtimeFindings } from '../../src/core/audit/runtimeRules';
import { endpointFromUrl } from '../../src/core/server/endpoint';
import { observations } from './auditHelpers';
import { DEAD_PID, makeTempDir } from './helpers';

const file = (mode: number, dirModes: number[], kind: RuntimeFileObservation['kind'] = 'server-info'): RuntimeFileObservation => ({
  path: '/home/ann/.local/share/jupyter/runtime/nbserver-4242.json',
  kind,
  mode,
  dirs: dirModes.map((m, i) => ({ path: ['/home/ann/.local/share/jupyter/runtime', '/home/ann/.local/share/jupyter', '/home/ann/.local/share', '/home/ann/.local', '/home/ann', '/home', '/'][i] ?? '/', mode: m })),
});

describe('audit: runtime file rule (literal modes)', () => {
  const open = [0o755, 0o755, 0o755, 0o755, 0o755, 0o755, 0o755];

  it('0644 with every directory searchable by others → readable (notebook 6.x nbserver-*.json in a 0755 dir)', () => {
    assert.equal(readableByOthers(file(0o644, open)), true);
    const f = runtimeFindings(observations(undefined, { runtimeFiles: [file(0o644, open)] }));
    assert.deepEqual(f.map((x) => x.id), ['runtime-file-readable']);
    assert.equal(f[0]?.severity, 'error');
    assert.match(f[0]?.evidence ?? '', /nbserver-4242\.json \(holds the token\) is rw-r--r-- \(0644\); \/home\/ann\/\.local\/share\/jupyter\/runtime is 0755 and every directory above it lets others through/);
    assert.match(f[0]?.fixFor.notebook ?? '', /chmod 700 \/home\/ann\/\.local\/share\/jupyter\/runtime/);
  });

  it('the directory protects it: the runtime dir 0700 (jupyter_core default) or a private home dir', () => {
    assert.equal(readableByOthers(file(0o644, [0o700, 0o755, 0o755, 0o755, 0o755, 0o755, 0o755])), false);
    assert.equal(readableByOthers(file(0o644, [0o755, 0o755, 0o755, 0o755, 0o700, 0o755, 0o755])), false);
    assert.equal(readableByOthers(file(0o644, [0o754, 0o755])), false, 'r without x on the dir is no way through');
  });

  it('0600 (jupyter_server\'s jpserver-*.json) and group-only bits are not reported', () => {
    assert.equal(readableByOthers(file(0o600, open)), false);
    assert.equal(readableByOthers(file(0o640, open)), false);
    assert.deepEqual(runtimeFindings(observations(undefined, { runtimeFiles: [file(0o600, open), file(0o640, open)] })), []);
  });

  it('the cookie secret is described as what it is', () => {
    const f = runtimeFindings(observations(undefined, { runtimeFiles: [file(0o644, open, 'cookie-secret')] }));
    assert.match(f[0]?.evidence ?? '', /holds the key that signs login cookies/);
  });

  it('modeString', () => {
    assert.equal(modeString(0o644), 'rw-r--r-- (0644)');
    assert.equal(modeString(0o600), 'rw------- (0600)');
    assert.equal(modeString(0o1777), 'rwxrwxrwx (1777)');
  });
});

describe('audit: observing runtime files (real files, temp dir)', { skip: process.platform === 'win32' }, () => {
  let dir: string;
  let cleanup: () => void;
  const endpoint = endpointFromUrl('http://127.0.0.1:18888/');
  const info = (pid: number, url: string): string =>
    JSON.stringify({ base_url: '/', hostname: '127.0.0.1', password: false, pid, port: 18888, root_dir: '/r', secure: false, sock: '', token: 'tok-rt-secret', url });

  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir());
  });
  afterEach(() => cleanup());

  it('finds the server file by URL (live or stale), its -open.html and the cookie secret, with modes and the dirs above', async () => {
    const rt = join(dir, 'runtime');
    mkdirSync(rt);
    writeFileSync(join(rt, `jpserver-${process.pid}.json`), info(process.pid, 'http://127.0.0.1:18888/'));
    writeFileSync(join(rt, `jpserver-${process.pid}-open.html`), '<meta http-equiv="refresh" content="1;url=http://127.0.0.1:18888/?token=tok-rt-secret" />');
    writeFileSync(join(rt, 'jupyter_cookie_secret'), 'c2VjcmV0\n');
    writeFileSync(join(rt, `nbserver-${DEAD_PID}.json`), info(DEAD_PID, 'http://127.0.0.1:18888/'));
    writeFileSync(join(rt, `jpserver-${DEAD_PID - 1}.json`), info(DEAD_PID - 1, 'http://127.0.0.1:19999/'));
    chmodSync(join(rt, `jpserver-${process.pid}.json`), 0o600);
    chmodSync(join(rt, `jpserver-${process.pid}-open.html`), 0o644);
    chmodSync(join(rt, 'jupyter_cookie_secret'), 0o600);
    chmodSync(join(rt, `nbserver-${DEAD_PID}.json`), 0o644);
    chmodSync(rt, 0o755);

    const files = await observeRuntimeFiles(endpoint, [rt]);
    const byPath = new Map(files.map((f) => [f.path, f]));
    assert.deepEqual([...byPath.keys()].sort(), [
      join(rt, 'jupyter_cookie_secret'),
      join(rt, `jpserver-${process.pid}-open.html`),
      join(rt, `jpserver-${process.pid}.json`),
      join(rt, `nbserver-${DEAD_PID}.json`),
    ].sort(), 'the file of another URL is not this server\'s');
    assert.equal(byPath.get(join(rt, `jpserver-${process.pid}.json`))?.mode, 0o600);
    assert.equal(byPath.get(join(rt, `jpserver-${process.pid}-open.html`))?.kind, 'open-html');
    const dirs = byPath.get(join(rt, `nbserver-${DEAD_PID}.json`))?.dirs ?? [];
    assert.deepEqual(dirs.slice(0, 2), [{ path: rt, mode: 0o755 }, { path: dir, mode: 0o700 }]);
    assert.equal(dirs.at(-1)?.path, '/');

    // mkdtemp made the parent 0700: nothing is reachable by others.
    assert.deepEqual(runtimeFindings(observations('http://127.0.0.1:18888/', { runtimeFiles: files })), []);
    chmodSync(dir, 0o755);
    const opened = await observeRuntimeFiles(endpoint, [rt]);
    const f = runtimeFindings(observations('http://127.0.0.1:18888/', { runtimeFiles: opened }));
    assert.deepEqual(f.map((x) => x.id), ['runtime-file-readable']);
    assert.match(f[0]?.evidence ?? '', new RegExp(`jpserver-${process.pid}-open\\.html \\(holds the token in its redirect URL\\) is rw-r--r--`));
    assert.match(f[0]?.evidence ?? '', new RegExp(`nbserver-${DEAD_PID}\\.json \\(holds the token\\) is rw-r--r--`));
    assert.doesNotMatch(f[0]?.evidence ?? '', /jpserver-\d+\.json \(holds the token\)|cookie_secret/, '0600 files are not listed');
    assert.ok(!f[0]?.evidence.includes('tok-rt-secret'));
  });

  it('no runtime dirs, or none holding this server: nothing observed', async () => {
    assert.deepEqual(await observeRuntimeFiles(endpoint, []), []);
    assert.deepEqual(await observeRuntimeFiles(endpoint, [join(dir, 'missing')]), []);
  });
});
