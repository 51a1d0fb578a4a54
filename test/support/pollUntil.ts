/**
 * Polls `probe` every 100 ms until it returns a value other than `undefined` or `false` (a thrown error counts as not
 * yet), and returns that value; fails naming `what` (and the last error) after `timeoutMs`. For conditions no event
 * announces; where an event does, wait for the event.
 */
export async function pollUntil<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
