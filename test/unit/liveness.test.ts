import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { pidState, processSnapshot } from '../../src/core/discovery/liveness';

describe('discovery/liveness: pid states', () => {
  it('kill(pid, 0): this process is alive, a pid above pid_max is dead', () => {
    assert.equal(pidState(process.pid), 'alive');
    assert.equal(pidState(4_194_304 + 1), 'dead');
  });

  it('Error.stackTraceLimit is put back after a dead pid (no stack trace is captured for it)', () => {
    const before = Error.stackTraceLimit;
    assert.equal(pidState(4_194_304 + 2), 'dead');
    assert.equal(Error.stackTraceLimit, before);
  });

  it('the /proc snapshot (Linux) agrees with kill(pid, 0), for a process that exits too', { skip: process.platform !== 'linux' }, async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const pid = child.pid as number;
    const max = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
    const snap = processSnapshot();
    assert.ok(snap, 'this machine shows pid 1 in /proc');
    for (const p of [process.pid, process.ppid, pid, 1, max + 1]) assert.equal(snap(p), pidState(p), `pid ${p}`);
    assert.equal(snap(pid), 'alive');
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    assert.equal(processSnapshot()?.(pid), 'dead', 'a new snapshot sees the exit');
  });
});
