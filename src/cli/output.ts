import { redact } from '../core/util/redact';

/** Everything the CLI prints goes through here, redacted. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

export const processOutput: Output = {
  out: (line) => void process.stdout.write(redact(line) + '\n'),
  err: (line) => void process.stderr.write(redact(line) + '\n'),
};

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** Exit codes: 0 all good, 1 a check failed, 2 bad usage or input. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export class UsageError extends Error {}

export function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}
