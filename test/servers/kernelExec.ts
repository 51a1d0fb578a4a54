import assert from 'node:assert/strict';
import type { KernelConnection } from '../../src/core/kernel/kernelConnection';
import type { KernelMessage } from '../../src/core/kernel/messages';

/** Runs `code` on a kernel socket and returns its execute_result as text (the code must end in an expression). */
export async function executeForResult(ks: KernelConnection, code: string): Promise<string> {
  const result = new Promise<string>((resolve) => {
    const sub = ks.onMessage((m: KernelMessage) => {
      if (m.header.msg_type !== 'execute_result') return;
      sub.dispose();
      resolve(String((m.content as { data: Record<string, unknown> }).data['text/plain']));
    });
  });
  const reply = await ks.request('execute_request', { code, silent: false, store_history: false, user_expressions: {}, allow_stdin: false });
  assert.equal((reply.content as { status: string }).status, 'ok');
  return result;
}
