import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { pino, type Logger } from 'pino';
import { UpkeepError } from '@upkeep/errors';
import type { AgentEventSink } from '../install/upgrade-plan.types.ts';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The agent's structured log: one JSON object a line, each with the seed's `event` name. */
export interface AgentLogger {
  /** The seed's events (`upgrade_started`, `upgrade_success`, `upgrade_failure`, `rollback_executed`...). */
  readonly event: AgentEventSink;
  warn(event: string, message: string, fields?: Readonly<Record<string, unknown>>): void;
  close(): void;
}

const ERROR_EVENTS = new Set(['upgrade_failure', 'rollback_failed', 'recovery_failed', 'command_failed']);
const WARN_EVENTS = new Set([
  'rollback_executed',
  'checksum_unverified',
  'checksum_verification_disabled',
  'safety_checks_skipped',
  'rollback_cleanup_failed',
  'metrics_write_failed',
  'upgrade_refused',
  'approval_required',
]);

export function isLogLevel(text: string): text is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(text);
}

/**
 * A pino logger writing JSON lines synchronously (a crash or `process.exit` loses
 * no line) to `file`, or to stderr when `file` is null. Never to stdout: that is
 * the command's result, and `--json` output must stay one parseable document.
 */
export function createAgentLogger(options: {
  readonly file: string | null;
  readonly level: LogLevel;
}): AgentLogger {
  let destination;
  try {
    if (options.file !== null) mkdirSync(dirname(options.file), { recursive: true });
    destination = pino.destination({ dest: options.file ?? 2, sync: true });
  } catch (error) {
    throw new UpkeepError(
      'PERMISSION_DENIED',
      `cannot open the log file ${String(options.file)}: ${String(error)}`,
      {
        hint: 'pass --log-file with a writable path, or leave it out to log to stderr',
        cause: error,
      },
    );
  }
  const logger: Logger = pino(
    {
      name: 'upkeep-agent',
      level: options.level,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  return {
    event: (event, fields) => {
      const line = { event, ...fields };
      if (ERROR_EVENTS.has(event)) logger.error(line, event);
      else if (WARN_EVENTS.has(event)) logger.warn(line, event);
      else logger.info(line, event);
    },
    warn: (event, message, fields = {}) => {
      logger.warn({ event, ...fields }, message);
    },
    close: () => {
      destination.flushSync();
    },
  };
}
