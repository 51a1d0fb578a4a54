import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { Logger, MemorySink, nullLogger } from '../../src/core/util/log';
import { REDACTED, clearRegisteredSecrets, registerSecret } from '../../src/core/util/redact';

describe('util/log: Logger', () => {
  afterEach(() => clearRegisteredSecrets());

  it('drops lines below the level and keeps the rest, tagged with their level', () => {
    const sink = new MemorySink();
    const log = new Logger(sink, 'info');
    log.trace('t');
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    assert.deepEqual(sink.lines, ['info: i', 'warn: w', 'error: e']);
    assert.equal(log.enabled('debug'), false);
    assert.equal(log.enabled('warn'), true);
  });

  it('defaults to info and follows setLevel', () => {
    const sink = new MemorySink();
    const log = new Logger(sink);
    log.debug('hidden');
    log.setLevel('trace');
    log.trace('shown');
    log.setLevel('error');
    log.warn('hidden too');
    assert.deepEqual(sink.lines, ['trace: shown']);
  });

  it('redacts registered secrets in the message and in the details', () => {
    const sink = new MemorySink();
    const log = new Logger(sink, 'trace');
    registerSecret('s3cret-token-value');
    log.info('sending s3cret-token-value to the server', { token: 's3cret-token-value', n: 1 }, new Error('failed with s3cret-token-value'));
    assert.equal(sink.lines.length, 1);
    assert.ok(!sink.lines[0]?.includes('s3cret-token-value'), sink.lines[0]);
    assert.ok(sink.lines[0]?.startsWith(`info: sending ${REDACTED} to the server `), sink.lines[0]);
    assert.match(sink.lines[0] ?? '', /Error: failed with \[redacted\]/);
  });

  it('redacts secrets by pattern even when never registered (headers, ?token=)', () => {
    const sink = new MemorySink();
    const log = new Logger(sink, 'debug');
    log.debug('GET /api/status?token=unregistered-tok Authorization: token unregistered-tok');
    assert.ok(!sink.lines[0]?.includes('unregistered-tok'), sink.lines[0]);
  });

  it('redacts a secret split between the prefix and the message', () => {
    const sink = new MemorySink();
    registerSecret('split-secret-xyz');
    new Logger(sink, 'info').scoped('split-').info('secret-xyz done');
    assert.ok(!sink.lines[0]?.includes('split-secret-xyz'), sink.lines[0]);
  });

  it('scoped loggers prefix their lines and follow the parent’s level', () => {
    const sink = new MemorySink();
    const root = new Logger(sink, 'info');
    const child = root.scoped('http://127.0.0.1:8888/');
    const grandchild = child.scoped('kernel');
    child.debug('hidden');
    child.info('one');
    grandchild.warn('two');
    root.setLevel('debug');
    child.debug('three');
    assert.deepEqual(sink.lines, ['info: [http://127.0.0.1:8888/] one', 'warn: [http://127.0.0.1:8888/] [kernel] two', 'debug: [http://127.0.0.1:8888/] three']);
  });

  it('nullLogger writes nothing and reports only errors as enabled', () => {
    assert.equal(nullLogger.enabled('warn'), false);
    assert.doesNotThrow(() => nullLogger.error('nothing to see'));
  });
});
