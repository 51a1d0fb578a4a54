import * as vscode from 'vscode';
import { Logger, type LogLevel, type LogSink } from '../../core/util/log';
import type { Disposable } from '../../core/util/disposable';

/** Core log lines (already redacted by the core's Logger) into a LogOutputChannel, level for level. */
export class LogChannelSink implements LogSink {
  constructor(private readonly channel: vscode.LogOutputChannel) {}

  log(level: LogLevel, line: string): void {
    switch (level) {
      case 'trace':
        return this.channel.trace(line);
      case 'debug':
        return this.channel.debug(line);
      case 'info':
        return this.channel.info(line);
      case 'warn':
        return this.channel.warn(line);
      case 'error':
        return this.channel.error(line);
    }
  }
}

/** The core level matching the channel's level ("Developer: Set Log Level…"); Off still lets errors through the filter, the channel drops them. */
export function coreLevel(level: vscode.LogLevel): LogLevel {
  switch (level) {
    case vscode.LogLevel.Trace:
      return 'trace';
    case vscode.LogLevel.Debug:
      return 'debug';
    case vscode.LogLevel.Info:
      return 'info';
    case vscode.LogLevel.Warning:
      return 'warn';
    default:
      return 'error';
  }
}

/** A core Logger writing to the channel, following the channel's log level as the user changes it. */
export function createChannelLogger(channel: vscode.LogOutputChannel): { logger: Logger; subscription: Disposable } {
  const logger = new Logger(new LogChannelSink(channel), coreLevel(channel.logLevel));
  const subscription = channel.onDidChangeLogLevel((level) => logger.setLevel(coreLevel(level)));
  return { logger, subscription };
}
