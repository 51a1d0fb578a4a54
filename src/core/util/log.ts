import { redact, redactValue } from './redact';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];

/** Where log lines go (an output channel, stderr, a test buffer). Lines arrive already redacted. */
export interface LogSink {
  log(level: LogLevel, line: string): void;
}

/** The core's logger: formats, redacts, filters by level and hands the line to a sink. */
export class Logger {
  private minIndex: number;

  constructor(
    private readonly sink: LogSink,
    minLevel: LogLevel = 'info',
    private readonly prefix = '',
  ) {
    this.minIndex = LOG_LEVELS.indexOf(minLevel);
  }

  setLevel(level: LogLevel): void {
    this.minIndex = LOG_LEVELS.indexOf(level);
  }

  enabled(level: LogLevel): boolean {
    return LOG_LEVELS.indexOf(level) >= this.minIndex;
  }

  /** A logger writing to the same sink with a `[scope]` prefix. */
  scoped(scope: string): Logger {
    const child = new Logger(this.sink, LOG_LEVELS[this.minIndex] ?? 'info', `${this.prefix}[${scope}] `);
    // Children follow the parent's level changes.
    const parent = this;
    Object.defineProperty(child, 'minIndex', { get: () => parent.minIndex, set: () => undefined });
    return child;
  }

  trace(message: string, ...details: unknown[]): void {
    this.write('trace', message, details);
  }
  debug(message: string, ...details: unknown[]): void {
    this.write('debug', message, details);
  }
  info(message: string, ...details: unknown[]): void {
    this.write('info', message, details);
  }
  warn(message: string, ...details: unknown[]): void {
    this.write('warn', message, details);
  }
  error(message: string, ...details: unknown[]): void {
    this.write('error', message, details);
  }

  private write(level: LogLevel, message: string, details: unknown[]): void {
    if (!this.enabled(level)) return;
    const extra = details.length ? ' ' + details.map(redactValue).join(' ') : '';
    this.sink.log(level, redact(this.prefix + message) + extra);
  }
}

export const nullLogger = new Logger({ log: () => undefined }, 'error');

/** A sink that keeps lines in memory (tests, the CLI's `--verbose` buffer). */
export class MemorySink implements LogSink {
  readonly lines: string[] = [];
  log(level: LogLevel, line: string): void {
    this.lines.push(`${level}: ${line}`);
  }
}
