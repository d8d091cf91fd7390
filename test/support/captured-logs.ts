import type { LoggerService } from '@nestjs/common';

export interface LogLine {
  level: 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';
  /** The message and every parameter (a stack, the context) as the app's log would carry them. */
  text: string;
}

/** A Nest logger that keeps every line, for tests of what the app writes to its log. */
export class CapturedLogs implements LoggerService {
  readonly lines: LogLine[] = [];

  readonly log = this.recorder('log');
  readonly error = this.recorder('error');
  readonly warn = this.recorder('warn');
  readonly debug = this.recorder('debug');
  readonly verbose = this.recorder('verbose');
  readonly fatal = this.recorder('fatal');

  clear(): void {
    this.lines.length = 0;
  }

  private recorder(level: LogLine['level']): (message: unknown, ...params: unknown[]) => void {
    // Nest's Logger passes an absent stack or context as undefined.
    return (message, ...params) => {
      this.lines.push({ level, text: [message, ...params].filter((part) => part !== undefined).map(render).join(' ') });
    };
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
