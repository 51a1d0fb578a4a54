import { redact, redactJson } from '../core/util/redact';

/** Everything the CLI prints goes through here, redacted. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

/**
 * A line as the CLI prints it: redacted. A JSON document (what `json` makes) is redacted value by value and
 * stays valid JSON; redacting its text would let a pattern that masks to the end of a line eat the closing `",`.
 */
export function redactLine(line: string): string {
  const doc = jsonDocument(line);
  return doc === undefined ? redact(line) : redactJson(doc, 2);
}

function jsonDocument(line: string): object | undefined {
  const start = line.trimStart()[0];
  if (start !== '{' && start !== '[') return undefined;
  try {
    const value = JSON.parse(line) as unknown;
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Text a terminal shows as text: control characters (escape sequences, carriage returns, C1 controls) that a
 * server's answer could carry are written as `\x1B` and the like; line breaks and tabs stay.
 */
export function terminalSafe(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

export const processOutput: Output = {
  out: (line) => void process.stdout.write(terminalSafe(redactLine(line)) + '\n'),
  err: (line) => void process.stderr.write(terminalSafe(redactLine(line)) + '\n'),
};

/** `value` as indented JSON, every string in it redacted before serialising (so the text is always valid JSON). */
export function json(value: unknown): string {
  return redactJson(value, 2);
}

/** Exit codes: 0 all good, 1 a check failed, 2 bad usage or input. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export class UsageError extends Error {}

export function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}
