import type { LoggerService } from '@nestjs/common';

export interface LogLine {
  level: 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';
  /** The message and every parameter (a stack, the context) as the app's log would carry them. */
  text: string;
}

/** A Nest logger that keeps every line, for tests of what the app writes to its log. */
export class CapturedLogs implements LoggerService {
  readonly lines: LogLine[] = [];

  log(message: unknown, ...params: unknown[]): void {
    this.add('log', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.add('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.add('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.add('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.add('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.add('fatal', message, params);
  }

  clear(): void {
    this.lines.length = 0;
  }

  private add(level: LogLine['level'], message: unknown, params: unknown[]): void {
    // Nest's Logger passes an absent stack or context as undefined.
    this.lines.push({ level, text: [message, ...params].filter((part) => part !== undefined).map(render).join(' ') });
  }
}

function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return `${value.message}\n${value.stack ?? ''}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
