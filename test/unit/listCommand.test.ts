import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { listWithJupyterCommand } from '../../src/core/discovery/listCommand';
import { makeTempDir } from './helpers';

// `jupyter server list --json` output from the facts sheet (JSON Lines), plus the same server from nbclassic.
const JS_LINE =
  '{"base_url": "/", "hostname": "127.0.0.1", "password": false, "pid": 12811, "port": 18802, "root_dir": "$WORK/nbroot", "secure": false, "sock": "", "token": "tok-js-disc", "url": "http://127.0.0.1:18802/", "version": "1.23.3"}';
const NB_LINE =
  '{"base_url": "/", "hostname": "127.0.0.1", "notebook_dir": "$WORK/nbroot", "password": false, "pid": 12777, "port": 18801, "secure": false, "sock": "", "token": "tok-nb-disc", "url": "http://127.0.0.1:18801/"}';
const SOCK_LINE =
  '{"base_url": "/", "hostname": "127.0.0.1", "password": false, "pid": 12900, "port": 0, "root_dir": "/r", "secure": false, "sock": "/work/socks/js.sock", "token": "tok-sock", "url": "http+unix://%2Fwork%2Fsocks%2Fjs.sock/", "version": "1.23.3"}';
const BAD_LINE = '{"base_url": "/", "pid": "not-a-pid", "token": "tok-in-bad-line", "url": "http://127.0.0.1:18803/"}';

/** A fake `jupyter` executable: a shell script with canned output per subcommand. */
function fakeJupyter(dir: string, script: string): string {
  const path = join(dir, 'jupyter');
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
  return path;
}

function heredoc(lines: string[]): string {
  return `cat <<'EOF'\n${lines.join('\n')}\nEOF`;
}

describe('discovery/listCommand', { skip: process.platform === 'win32' ? 'needs /bin/sh' : false }, () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = makeTempDir()));
  afterEach(() => cleanup());

  it('parses `server list --json` lines, drops duplicates and reports a failing `notebook list`', async () => {
    const jupyter = fakeJupyter(
      dir,
      `if [ "$1 $2 $3" = "server list --json" ]; then
${heredoc(['Currently running servers:', JS_LINE, SOCK_LINE, JS_LINE, '', BAD_LINE])}
  exit 0
fi
echo "Traceback (most recent call last):" >&2
echo "Jupyter command \\\`jupyter-notebook\\\` not found." >&2
exit 1`,
    );
    const result = await listWithJupyterCommand(jupyter, 10_000);

    assert.deepEqual(
      result.servers.map((s) => [s.endpoint.id, s.kind, s.pid, s.token]),
      [
        ['http://127.0.0.1:18802/', 'jupyter-server', 12811, 'tok-js-disc'],
        ['http+unix://%2Fwork%2Fsocks%2Fjs.sock/', 'jupyter-server', 12900, 'tok-sock'],
      ],
    );
    assert.equal(result.servers[0]?.source, `${jupyter} server list --json (line 2)`);
    assert.equal(result.servers[0]?.version, '1.23.3');

    assert.equal(result.problems.length, 2, result.problems.join('\n'));
    const [badLine, failed] = result.problems;
    assert.match(badLine ?? '', /server list --json \(line 6\): "pid" should be a non-negative integer/);
    assert.ok(!(badLine ?? '').includes('tok-in-bad-line'), 'a problem never quotes the token');
    assert.equal(failed, `${jupyter} notebook list --json: Jupyter command \`jupyter-notebook\` not found.`, 'the last stderr line says why');
  });

  it('keeps one entry when `server list` and `notebook list` both list a server (nbclassic)', async () => {
    const jupyter = fakeJupyter(
      dir,
      `if [ "$1" = server ]; then
${heredoc([JS_LINE])}
else
${heredoc([NB_LINE, JS_LINE])}
fi`,
    );
    const result = await listWithJupyterCommand(jupyter, 10_000);
    assert.deepEqual(result.problems, []);
    assert.deepEqual(
      result.servers.map((s) => [s.endpoint.id, s.kind]),
      [
        ['http://127.0.0.1:18802/', 'jupyter-server'],
        ['http://127.0.0.1:18801/', 'notebook'],
      ],
    );
  });

  it('passes the given environment to the command', async () => {
    const jupyter = fakeJupyter(dir, `[ "$1" = server ] && echo "$FAKE_LINE"; exit 0`);
    const result = await listWithJupyterCommand(jupyter, 10_000, { PATH: process.env['PATH'] ?? '', FAKE_LINE: NB_LINE });
    assert.deepEqual(result.servers.map((s) => s.pid), [12777]);
  });

  it('a missing command gives a clear "not found" problem for each subcommand, no servers', async () => {
    const missing = join(dir, 'no-such-jupyter');
    const result = await listWithJupyterCommand(missing, 10_000);
    assert.deepEqual(result.servers, []);
    const says = `"${missing}" was not found. Install Jupyter or set the path of the jupyter command.`;
    assert.deepEqual(result.problems, [`${missing} server list --json: ${says}`, `${missing} notebook list --json: ${says}`]);
  });

  it('a command that hangs is reported as timed out', async () => {
    const jupyter = fakeJupyter(dir, 'exec sleep 30');
    const result = await listWithJupyterCommand(jupyter, 200);
    assert.deepEqual(result.servers, []);
    assert.deepEqual(result.problems, [
      `${jupyter} server list --json: timed out after 200 ms`,
      `${jupyter} notebook list --json: timed out after 200 ms`,
    ]);
  });
});
